/**
 * Accuracy against ground truth (issue 3): a labelled day of a dozen WordPress sites with every campaign, scanned
 * with the built-in rules. Every campaign must be found, the way a person would want it reported, and no benign IP
 * (crawlers, Jetpack, the office NAT, admins mistyping, heartbeats, wp-cron from the server itself…) may appear in
 * any incident.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Incident } from '../../src/core/types.js'
import { CAMPAIGNS, type GroundTruth, writeLabelledLogs } from '../../src/generator/index.js'
import { scanReportJson } from '../../src/scan/report.js'
import { runScan, type ScanReport } from '../../src/scan/scan.js'

const DAY = 86_400_000

describe('accuracy on a labelled day', () => {
  let dir = ''
  let truth: GroundTruth
  let lines = 0
  let report: ScanReport
  let files: string[] = []
  const day = {
    seed: 1,
    start: Date.UTC(2024, 2, 4),
    durationMs: DAY,
    sites: 12,
    linesPerSecond: 2,
    campaigns: 'all' as const,
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookout-accuracy-'))
    const written = await writeLabelledLogs(join(dir, 'logs'), { ...day, format: 'vhost_combined', layout: 'single' })
    files = written.files
    truth = written.truth
    lines = written.lines
    // built-in defaults only: no ./lookout.yml, no $LOOKOUT_CONFIG
    const config = loadConfig({ env: {}, cwd: dir })
    report = await runScan(written.files, { config, format: 'vhost_combined' })
  }, 120_000)

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('reports the same when every line is made an event (no WebAssembly pass)', async () => {
    const config = loadConfig({ env: {}, cwd: dir })
    const slow = await runScan(files, { config, format: 'vhost_combined', fastPath: false })
    expect(scanReportJson(slow)).toEqual(scanReportJson(report))
    // and in `auto`, with the day split into a file per site (the files are merged in time order)
    const perSite = await writeLabelledLogs(join(dir, 'per-site'), { ...day, layout: 'per-site', format: 'combined' })
    const fast = await runScan(perSite.files, { config })
    expect(scanReportJson(fast)).toEqual(scanReportJson(await runScan(perSite.files, { config, fastPath: false })))
    expect(fast.incidents.length).toBeGreaterThan(10)
  }, 120_000)

  it('reads every line', () => {
    expect(lines).toBeGreaterThan(150_000)
    expect(report.lines).toBe(lines)
    expect(report.unparsed).toBe(0)
  })

  it('has every campaign in the ground truth', () => {
    expect(new Set(truth.campaigns.map((c) => c.name))).toEqual(new Set(CAMPAIGNS))
  })

  it('finds every campaign', () => {
    const missed: string[] = []
    const ipsOf = (i: Incident) => new Set([...(i.ip ? [i.ip] : []), ...i.ips])
    for (const c of truth.campaigns) {
      const label = `${c.name} (${c.kind} ${c.subnet ?? c.site ?? c.ips[0]})`
      if (c.kind === 'ip') {
        const ip = c.ips[0] ?? ''
        const found = report.incidents.filter((i) => i.kind === 'ip' && i.ip === ip)
        if (found.length === 0) {
          missed.push(`${label}: no ip incident`)
          continue
        }
        const rules = new Set(found.flatMap((i) => i.rules))
        for (const r of c.rules)
          if (!rules.has(r)) missed.push(`${label}: found by ${[...rules].join(', ')}, not by ${r}`)
      } else if (c.kind === 'site') {
        const found = report.incidents.filter((i) => i.kind === 'site' && c.site !== undefined && c.site in i.sites)
        const listed = new Set(found.flatMap((i) => [...ipsOf(i)]))
        const share = c.ips.filter((ip) => listed.has(ip)).length / c.ips.length
        if (found.length === 0) missed.push(`${label}: no site incident`)
        else if (share < 0.8)
          missed.push(`${label}: site incident lists ${(share * 100).toFixed(0)}% of ${c.ips.length} botnet IPs`)
      } else {
        const found = report.incidents.filter((i) => {
          if (i.kind !== 'subnet') return false
          if (i.subnet === c.subnet) return true
          const listed = ipsOf(i)
          return c.ips.filter((ip) => listed.has(ip)).length >= c.ips.length / 2
        })
        if (found.length === 0) missed.push(`${label}: no subnet incident`)
      }
    }
    expect(missed).toEqual([])
  })

  it('puts no benign IP in any incident', () => {
    const benign = new Set(truth.benignIps)
    const wrong: string[] = []
    for (const i of report.incidents) {
      const ips = new Set([...(i.ip ? [i.ip] : []), ...i.ips])
      const bad = [...ips].filter((ip) => benign.has(ip))
      if (bad.length)
        wrong.push(
          `${i.kind} incident ${i.ip ?? i.subnet ?? Object.keys(i.sites).join(',')} (${i.rules.join(', ')}): ${bad.join(', ')}`,
        )
    }
    expect(wrong).toEqual([])
  })
})
