/**
 * A seeded generator of realistic multi-vhost WordPress hosting traffic, with labelled attack campaigns and their
 * ground truth. Tests (accuracy), the benchmark and `lookout demo` share it. Same options → same bytes.
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import {
  adminArrivals,
  adminTypo,
  crawlers,
  cron,
  jetpack,
  LINES_PER_VISIT,
  monitor,
  office,
  visitorArrivals,
} from './benign.js'
import { CAMPAIGNS, type CampaignName, planCampaigns, type TruthCampaign } from './campaigns.js'
import { ClfClock, formatHit, type LineFormat } from './format.js'
import { type Actor, merge } from './schedule.js'
import { createWorld, type World } from './world.js'

export { CAMPAIGNS, type CampaignName, type TruthCampaign } from './campaigns.js'
export type { LineFormat } from './format.js'

export interface GenerateOptions {
  seed: number
  /** ms since the epoch, UTC */
  start: number
  durationMs: number
  /** number of virtual hosts */
  sites: number
  /** normal (benign) traffic rate, lines per second on average over the day; default 5 */
  linesPerSecond?: number
  /** default 'all' */
  campaigns?: CampaignName[] | 'all' | 'none'
  /** default 'combined' */
  format?: LineFormat
}

export interface GeneratedLine {
  time: number
  site: string
  ip: string
  line: string
  /** 'benign:<kind>' or 'attack:<campaign>' */
  label: string
}

export interface GroundTruth {
  campaigns: TruthCampaign[]
  /** every IP that made benign requests (none of them ever attacks) */
  benignIps: string[]
}

export const DEFAULT_LINES_PER_SECOND = 5

function campaignNames(c: GenerateOptions['campaigns']): CampaignName[] {
  if (c === undefined || c === 'all') return [...CAMPAIGNS]
  if (c === 'none') return []
  for (const name of c)
    if (!CAMPAIGNS.includes(name)) throw new RangeError(`unknown campaign "${name}"; known: ${CAMPAIGNS.join(', ')}`)
  return c
}

function validate(opts: GenerateOptions): void {
  if (!Number.isFinite(opts.start)) throw new RangeError(`start must be a time in ms, got ${opts.start}`)
  if (!(opts.durationMs > 0)) throw new RangeError(`durationMs must be positive, got ${opts.durationMs}`)
  if (opts.linesPerSecond !== undefined && !(opts.linesPerSecond >= 0))
    throw new RangeError(`linesPerSecond must be ≥ 0, got ${opts.linesPerSecond}`)
}

interface Setup {
  world: World
  actors: Actor[]
  truth: TruthCampaign[]
  end: number
}

function setup(opts: GenerateOptions): Setup {
  validate(opts)
  const world = createWorld(opts.seed >>> 0, opts.sites)
  const { start } = opts
  const end = start + opts.durationMs
  const rate = opts.linesPerSecond ?? DEFAULT_LINES_PER_SECOND
  const actors: Actor[] = []
  if (rate > 0) {
    actors.push(visitorArrivals(world, (rate * 0.85) / LINES_PER_VISIT, start, end))
    actors.push(...crawlers(world, rate * 0.12, start, end))
    for (const site of world.sites) {
      actors.push(
        monitor(world, site, start, end),
        cron(world, site, start, end),
        adminArrivals(world, site, start, end),
      )
      if (site.jetpack) actors.push(jetpack(world, site, start, end))
    }
    actors.push(office(world, start, end), ...adminTypo(world, start, end))
  }
  const plan = planCampaigns(world, campaignNames(opts.campaigns), start, end)
  actors.push(...plan.actors)
  return { world, actors, truth: plan.truth, end }
}

function* lines(s: Setup, format: LineFormat): Generator<GeneratedLine, void, undefined> {
  const clock = new ClfClock()
  for (const h of merge(s.actors, s.end)) {
    yield { time: h.time, site: h.site, ip: h.ip, line: formatHit(h, format, clock), label: h.label }
  }
}

/** The traffic in time order, generated lazily (millions of lines in constant memory). */
export function generateTraffic(opts: GenerateOptions): Iterable<GeneratedLine> {
  const s = setup(opts)
  return lines(s, opts.format ?? 'combined')
}

/** The campaigns `generateTraffic(opts)` will contain, without generating the traffic. */
export function plannedCampaigns(opts: GenerateOptions): TruthCampaign[] {
  return setup(opts).truth
}

const FLUSH_BYTES = 256 * 1024

class BufferedFile {
  private chunks: string[] = []
  private size = 0
  constructor(private readonly handle: FileHandle) {}
  async add(line: string): Promise<void> {
    this.chunks.push(line)
    this.size += line.length + 1
    if (this.size >= FLUSH_BYTES) await this.flush()
  }
  async flush(): Promise<void> {
    if (this.chunks.length === 0) return
    const text = `${this.chunks.join('\n')}\n`
    this.chunks = []
    this.size = 0
    await this.handle.write(text)
  }
  async close(): Promise<void> {
    await this.flush()
    await this.handle.close()
  }
}

/**
 * Writes the traffic to files with its ground truth. `per-site`: `dir/<site>.access.log` for every vhost (combined
 * unless asked otherwise); `single`: one `dir/access.log` (use `format: 'vhost_combined'` so lines name their site).
 */
export async function writeLabelledLogs(
  dir: string,
  opts: GenerateOptions & { layout: 'per-site' | 'single' },
): Promise<{ files: string[]; truth: GroundTruth; lines: number }> {
  const s = setup(opts)
  await mkdir(dir, { recursive: true })
  const outputs = new Map<string, BufferedFile>()
  const files: string[] = []
  const openFile = async (name: string): Promise<BufferedFile> => {
    const path = join(dir, name)
    files.push(path)
    const f = new BufferedFile(await open(path, 'w'))
    return f
  }
  const benign = new Set<string>()
  let count = 0
  try {
    if (opts.layout === 'single') outputs.set('', await openFile('access.log'))
    else for (const site of s.world.sites) outputs.set(site.name, await openFile(`${site.name}.access.log`))
    for (const l of lines(s, opts.format ?? 'combined')) {
      const out = outputs.get(opts.layout === 'single' ? '' : l.site)
      if (out === undefined) throw new Error(`generator: no output file for site ${l.site}`)
      await out.add(l.line)
      if (l.label.startsWith('benign:')) benign.add(l.ip)
      count++
    }
  } finally {
    for (const out of outputs.values()) await out.close()
  }
  return { files, truth: { campaigns: s.truth, benignIps: [...benign].sort() }, lines: count }
}
