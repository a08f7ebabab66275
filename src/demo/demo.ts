/**
 * `lookout demo`: an hour of a busy multi-site server, with a few attack campaigns, written into a temporary folder
 * in accelerated time while the LIVE pipeline tails it. Alerts go to the console (and Slack when SLACK_WEBHOOK_URL
 * is set); a summary compares what was found with what the generator planted.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfigText } from '../config/load.js'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import type { Incident } from '../core/types.js'
import {
  type CampaignName,
  type GeneratedLine,
  generateTraffic,
  plannedCampaigns,
  type TruthCampaign,
} from '../generator/index.js'
import { createWorld } from '../generator/world.js'
import { plural } from '../notifiers/text.js'
import { startPipeline } from '../pipeline.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'

export interface DemoOptions {
  seed: number
  /** how many times faster than real time (600: the hour in 6 s) */
  speed: number
  log: Logger
  out: { write(s: string): unknown }
  slackWebhookUrl?: string | undefined
  /** keep the temporary folder (for a look at the logs and the store) */
  keep?: boolean
}

export interface DemoResult {
  lines: number
  incidents: Incident[]
  found: number
  planted: number
  /** incidents naming an IP that only ever sent benign traffic (should be 0) */
  innocent: number
  dir: string
}

const HOUR = 3_600_000
const CAMPAIGNS: CampaignName[] = [
  'wp-login-flood',
  'xmlrpc-flood',
  'user-enumeration',
  '404-scan',
  'sensitive-file-probe',
  'login-botnet',
  'ipv6-rotation',
]

/** Shows time passing `speed` times faster, starting at `start`. */
function acceleratedClock(start: number, speed: number): Clock & { jump(ms: number): void } {
  const t0 = Date.now()
  let offset = 0
  return {
    now: () => start + (Date.now() - t0) * speed + offset,
    jump: (ms) => {
      offset += ms
    },
  }
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-demo-'))
  const logs = join(dir, 'logs')
  mkdirSync(logs)
  const start = Math.floor((Date.now() - HOUR) / 1000) * 1000
  // a few minutes past the hour, so that a botnet spreading its tries over a whole hour fits in
  const gen = {
    seed: opts.seed,
    start,
    durationMs: HOUR + 5 * 60_000,
    sites: 8,
    linesPerSecond: 25,
    campaigns: CAMPAIGNS,
  }
  const planted = plannedCampaigns(gen)

  const yaml = [
    `state_dir: ${JSON.stringify(join(dir, 'state'))}`,
    'hostname: demo-web-01',
    'sources:',
    `  - path: ${JSON.stringify(join(logs, '{site}.access.log'))}`,
    '    format: combined',
    '    start_at: beginning',
    'team:',
    '  members:',
    '    - { name: Ada, slack: U0ADA0001 }',
    '    - { name: Linus, slack: U0LINUS02 }',
    '    - { name: Grace, slack: U0GRACE03 }',
    `  rota: { every: day, starts: "2026-01-05", timezone: UTC, order: [Ada, Linus, Grace] }`,
    'notify:',
    '  console: true',
    // Slack asks for at most one message a second; the console alone needs no pacing.
    `  min_interval: ${opts.slackWebhookUrl ? '1s' : '0ms'}`,
    ...(opts.slackWebhookUrl ? ['  slack:', '    webhook_url: ${SLACK_WEBHOOK_URL}'] : []),
  ].join('\n')
  const config = parseConfigText(yaml, '<demo>', { env: { SLACK_WEBHOOK_URL: opts.slackWebhookUrl ?? '' } })

  const clock = acceleratedClock(start, opts.speed)
  const store = openSqliteStore(join(dir, 'state', 'lookout.db'))
  opts.out.write(
    `lookout demo: ${gen.sites} WordPress sites, one hour of traffic with ${planted.length} attack campaigns, ${opts.speed}x faster than life.\n` +
      `Logs are written to ${logs}; lookout tails them live. Alerts appear below as they happen.\n\n`,
  )
  // the sites' logs exist before lookout starts, as on a real server
  for (const { name: site } of createWorld(gen.seed, gen.sites).sites)
    appendFileSync(join(logs, `${site}.access.log`), '')
  const pipeline = startPipeline({ config, store, log: opts.log, clock, sweepIntervalMs: 200 })

  // The writer: every tick, append the lines whose time has come, site by site.
  let written = 0
  const benign = new Set<string>()
  const traffic = generateTraffic(gen)[Symbol.iterator]()
  let next: IteratorResult<GeneratedLine> = traffic.next()
  while (!next.done) {
    const now = clock.now()
    const bySite = new Map<string, string[]>()
    while (!next.done && next.value.time <= now) {
      const l = next.value
      const list = bySite.get(l.site) ?? []
      if (!list.length) bySite.set(l.site, list)
      list.push(l.line)
      if (l.label.startsWith('benign:')) benign.add(l.ip)
      written++
      next = traffic.next()
    }
    for (const [site, lines] of bySite) appendFileSync(join(logs, `${site}.access.log`), `${lines.join('\n')}\n`)
    await sleep(50)
  }

  // Let lookout catch up, then let 31 quiet minutes pass so incidents resolve, and let the outbox drain.
  await until(() => pipeline.stats().lines >= written, 30_000)
  clock.jump(31 * 60_000)
  await until(() => store.incidents.counts().open === 0, 10_000)
  await until(() => store.outbox.counts().pending === 0, 60_000)
  await pipeline.stop()

  const all = store.incidents.all()
  const found = planted.filter((c) => all.some((i) => catches(i, c))).length
  const innocent = all.filter((i) => i.ips.some((ip) => benign.has(ip))).length
  store.close()
  const result = { lines: pipeline.stats().lines, incidents: all, found, planted: planted.length, innocent, dir }
  opts.out.write(summary(result, pipeline.stats().unparsed))
  if (!opts.keep) rmSync(dir, { recursive: true, force: true })
  return result
}

/** An incident catches a campaign when it names its attacker: the IP, the /64, or (botnets) most of its IPs. */
function catches(i: Incident, c: TruthCampaign): boolean {
  if (c.kind === 'subnet') return i.subnet === c.subnet
  if (c.kind === 'site') return i.kind === 'site' && i.ips.filter((ip) => c.ips.includes(ip)).length * 2 >= c.ips.length
  return c.ips.every((ip) => i.ips.includes(ip))
}

function summary(r: DemoResult, unparsed: number): string {
  const kinds = { ip: 0, subnet: 0, site: 0 }
  for (const i of r.incidents) kinds[i.kind]++
  return [
    '',
    `That was one hour in the life of a WordPress host: ${r.lines.toLocaleString('en-US')} lines read (${unparsed} not understood).`,
    `lookout opened ${plural(r.incidents.length, 'incident')}: ${plural(kinds.ip, 'single attacker')}, ${plural(kinds.subnet, 'subnet')}, ${plural(kinds.site, 'distributed attack on a site', 'distributed attacks on a site')}.`,
    `It caught ${r.found} of the ${r.planted} campaigns the generator planted; ${r.innocent === 0 ? 'no innocent visitor, crawler or admin was named' : `${plural(r.innocent, 'incident')} named an innocent visitor (that is a bug: please report it)`}.`,
    'Next: put your own logs in a config (see README "Configuration") and run `lookout check`, then `lookout run`.',
    '',
  ].join('\n')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond() && Date.now() < end) await sleep(50)
}
