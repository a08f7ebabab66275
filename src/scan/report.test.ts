import { describe, expect, it } from 'vitest'
import type { Incident } from '../core/types.js'
import { renderScanReport, scanReportJson } from './report.js'
import type { ScanReport } from './scan.js'

const T = Date.parse('2025-06-02T10:00:00Z')

const incident = (over: Partial<Incident>): Incident => ({
  id: '1',
  kind: 'ip',
  ip: '203.0.113.7',
  subnet: null,
  ips: ['203.0.113.7'],
  sites: { 'a.example': 3, 'b.example': 40 },
  rules: ['wp-login-bruteforce'],
  attempts: 43,
  firstSeen: T,
  lastSeen: T + 25 * 60_000,
  severity: 'medium',
  status: 'resolved',
  step: 'resolved',
  samples: [],
  userAgents: {},
  users: ['admin'],
  duty: { name: 'ana', slack: 'U0000ANA', email: null, reason: 'rota' },
  ...over,
})

const report: ScanReport = {
  lines: 1200,
  parsed: 1195,
  unparsed: 5,
  incidents: [
    incident({}),
    incident({
      id: '2',
      kind: 'site',
      ip: null,
      ips: ['192.0.2.1', '192.0.2.2'],
      sites: { 'shop.example': 900 },
      rules: ['distributed-login-attack'],
      attempts: 900,
      severity: 'high',
      status: 'open',
      duty: null,
    }),
  ],
}

describe('scan report', () => {
  it('gives exactly the documented JSON, most severe first', () => {
    const json = scanReportJson(report)
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      lines: 1200,
      parsed: 1195,
      unparsed: 5,
      incidents: [
        {
          id: '2',
          kind: 'site',
          ip: null,
          subnet: null,
          ips: ['192.0.2.1', '192.0.2.2'],
          rules: ['distributed-login-attack'],
          sites: ['shop.example'],
          attempts: 900,
          firstSeen: '2025-06-02T10:00:00.000Z',
          lastSeen: '2025-06-02T10:25:00.000Z',
          severity: 'high',
          duty: null,
        },
        {
          id: '1',
          kind: 'ip',
          ip: '203.0.113.7',
          subnet: null,
          ips: ['203.0.113.7'],
          rules: ['wp-login-bruteforce'],
          sites: ['b.example', 'a.example'],
          attempts: 43,
          firstSeen: '2025-06-02T10:00:00.000Z',
          lastSeen: '2025-06-02T10:25:00.000Z',
          severity: 'medium',
          duty: 'ana',
        },
      ],
    })
    expect(Object.keys(json.incidents[0] ?? {})).toEqual([
      'id',
      'kind',
      'ip',
      'subnet',
      'ips',
      'rules',
      'sites',
      'attempts',
      'firstSeen',
      'lastSeen',
      'severity',
      'duty',
    ])
  })

  it('reads well without color: who, what, where, when, who acts, then the lines', () => {
    const text = renderScanReport(report, { color: false })
    expect(text).not.toContain('\x1b[')
    expect(text).toContain('2 incidents found (1 high, 1 medium):')
    expect(text.indexOf('#2')).toBeLessThan(text.indexOf('#1'))
    expect(text).toContain('HIGH      #2  2 IPs together against shop.example')
    expect(text).toContain('MEDIUM    #1  203.0.113.7')
    expect(text).toContain('sites:    b.example (40), a.example (3)')
    expect(text).toContain('when:     2025-06-02 10:00:00 → 10:25:00 UTC (25 min), over')
    expect(text).toContain('still going at the end of the logs')
    expect(text).toContain('act:      ana (rota)')
    expect(text).toContain('act:      nobody designated')
    expect(text.trimEnd().split('\n').slice(-2)).toEqual([
      'Read 1,200 lines: 1,195 understood, 5 not.',
      '(`lookout parse FILE` says why a line is not understood; `--format` sets the format.)',
    ])
  })

  it('says so when all is quiet, and colors only when asked', () => {
    const quiet = renderScanReport({ lines: 10, parsed: 10, unparsed: 0, incidents: [] }, { color: false })
    expect(quiet).toBe('All quiet: no incidents in 10 lines.\n\nRead 10 lines: all understood.\n')
    expect(renderScanReport(report, { color: true })).toContain('\x1b[31mHIGH')
  })
})
