import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfigText } from '../config/load.js'
import { SourceError } from '../core/errors.js'
import { scanReportJson } from './report.js'
import { runScan, type ScanProgress } from './scan.js'

const here = new URL('./testdata/', import.meta.url).pathname
let dir = ''
let files: { live: string; one: string; twoGz: string }

beforeAll(() => {
  // a rotated set as logrotate leaves it: access.log, access.log.1, access.log.2.gz
  dir = mkdtempSync(join(tmpdir(), 'lookout-scan-'))
  files = { live: join(dir, 'access.log'), one: join(dir, 'access.log.1'), twoGz: join(dir, 'access.log.2.gz') }
  copyFileSync(join(here, 'access.log'), files.live)
  copyFileSync(join(here, 'access.log.1'), files.one)
  writeFileSync(files.twoGz, gzipSync(readFileSync(join(here, 'access.log.2'))))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const config = parseConfigText(
  `
allow: [10.0.0.0/8]
team:
  members:
    - { name: ana, slack: U0000ANA }
    - { name: ben, slack: U0000BEN }
  rota: { every: week, starts: 2025-06-02, timezone: Europe/Berlin, order: [ana, ben] }
  owners:
    - { sites: blog.example.com, member: ben }
`,
  'scan-test.yml',
)

describe('runScan', () => {
  it('finds the attackers across rotated files (plain and .gz) in time order, and nobody else', async () => {
    const progress: ScanProgress[] = []
    // given newest first: scan must still go oldest first
    const r = await runScan([files.live, files.twoGz, files.one], { config, onProgress: (p) => progress.push(p) })
    expect({ lines: r.lines, parsed: r.parsed, unparsed: r.unparsed }).toEqual({ lines: 467, parsed: 465, unparsed: 2 })

    const json = scanReportJson(r)
    const byAttacker = Object.fromEntries(json.incidents.map((i) => [i.ip ?? i.subnet ?? '', i]))
    expect(Object.keys(byAttacker).sort()).toEqual(['198.51.100.0/24', '203.0.113.7'])
    expect(byAttacker['198.51.100.0/24']).toMatchObject({
      kind: 'subnet',
      ip: null,
      ips: ['198.51.100.7', '198.51.100.9'],
      rules: ['wp-login-bruteforce'],
      firstSeen: expect.stringMatching(/^2025-06-02T09:1[0-9]:/),
      lastSeen: '2025-06-02T09:12:10.000Z',
      duty: 'ben', // owner of blog.example.com, where the subnet started
    })
    expect(byAttacker['203.0.113.7']).toMatchObject({
      kind: 'ip',
      ips: ['203.0.113.7'],
      sites: ['shop.example.com'],
      attempts: 30,
      firstSeen: expect.stringMatching(/^2025-06-02T10:00:/),
      lastSeen: '2025-06-02T10:00:29.000Z',
      duty: 'ana', // the rota's first week
    })
    expect(byAttacker['203.0.113.7']?.rules).toContain('wp-login-bruteforce')
    // the admin who mistyped twice, the allowed office IP and the visitors are in no incident
    const ips = json.incidents.flatMap((i) => i.ips)
    expect(ips.filter((ip) => !ip.startsWith('198.51.100.') && ip !== '203.0.113.7')).toEqual([])
    // both were over long before the last line (11:30)
    expect(r.incidents.map((i) => i.status)).toEqual(['resolved', 'resolved'])

    expect(progress.length).toBeGreaterThanOrEqual(3)
    const last = progress.at(-1) as ScanProgress
    expect(last.lines).toBe(467)
    expect(last.bytes).toBe(last.totalBytes)
  })

  it('gives the same incidents whatever the order of the arguments', async () => {
    const a = scanReportJson(await runScan([files.twoGz, files.one, files.live], { config }))
    const b = scanReportJson(await runScan([files.one, files.live, files.twoGz], { config }))
    expect(b).toEqual(a)
  })

  it('interleaves per-site logs of the same hours by event time', async () => {
    const at = (s: number) => `[02/Jun/2025:10:00:${String(s).padStart(2, '0')} +0000]`
    const post = (site: string, s: number) =>
      `${site}:443 203.0.113.9 - - ${at(s)} "POST /wp-login.php HTTP/1.1" 200 4523 "-" "curl/8"`
    const a = join(dir, 'a.example.access.log')
    const b = join(dir, 'b.example.access.log')
    writeFileSync(a, `${[0, 20, 40].map((s) => post('a.example', s)).join('\n')}\n`)
    writeFileSync(b, `${[10, 30, 50].map((s) => post('b.example', s)).join('\n')}\n`)
    const r = await runScan([b, a], { config })
    expect(r.incidents).toHaveLength(1)
    // in time order the 5th attempt is a.example's at :40 (reading b then a would cross at b's :30); the incident
    // starts with the first attempt and its first sample is the line that crossed
    expect(r.incidents[0]).toMatchObject({
      ip: '203.0.113.9',
      attempts: 6,
      firstSeen: Date.parse('2025-06-02T10:00:00Z'),
    })
    expect(r.incidents[0]?.samples[0]).toContain('a.example:443 203.0.113.9 - - [02/Jun/2025:10:00:40')
    // every site of the window that crossed, not only the site of the 5th attempt (e2e finding 2)
    expect(r.incidents[0]?.sites).toEqual({ 'a.example': 3, 'b.example': 3 })
  })

  it('names every site an attacker tried in the window that crossed the threshold, with counts', async () => {
    // blog, cafe, blog, cafe, blog: the 5th attempt crosses 5 in 1m on blog.test
    const r = await runScan([join(here, 'two-sites.log')], { config })
    expect(r.incidents).toHaveLength(1)
    expect(r.incidents[0]).toMatchObject({
      ip: '203.0.113.66',
      rules: ['wp-login-bruteforce'],
      sites: { 'blog.test': 3, 'cafe.test': 2 },
      attempts: 5,
    })
    expect(scanReportJson(r).incidents[0]?.sites).toEqual(['blog.test', 'cafe.test'])
  })

  it('fails with the path when a file cannot be read', async () => {
    await expect(runScan([join(dir, 'missing.log')], { config })).rejects.toBeInstanceOf(SourceError)
  })
})
