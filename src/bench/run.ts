/**
 * `npm run bench`: the numbers of issues 2 and 3, measured on this machine. Every section runs in its own child
 * process (its peak RSS is that child's `maxRSS`); times are medians over several runs, with the spread shown,
 * because a shared machine is noisy. Sections whose modules are not built yet print "skipped (not built yet)".
 *
 *   npm run bench [-- --runs 5 --lines 1000000 --seed 1 --only a,b,c,d,e --keep]
 *
 * a) read + parse a generated 1M-line combined log on one core (readLines + createParser('combined')) vs `grep -c ''`
 * b) `lookout scan --json` over the same file vs `grep -cE 'wp-login|xmlrpc'`
 * c) `lookout scan --json` over 1M failed logins, each from a new IP: peak RSS
 * d) idle watch of 2,000 files (dist/bench/idle-watch.js, by the sources work)
 * e) alert latency (dist/bench/latency.js, by the Slack work)
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  installRssHook,
  median,
  mib,
  noise,
  printTable,
  type RunResult,
  rate,
  runMeasured,
  secs,
  verdict,
} from './util.js'

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SELF = fileURLToPath(import.meta.url)
const built = (rel: string): boolean => existsSync(join(DIST, rel))
const MAX_LINE_BYTES = 64 * 1024

interface ParseChildResult {
  lines: number
  parsed: number
  ms: number
}

/** The child of section a: read + parse FILE in this process, print what it measured. */
async function childParse(file: string): Promise<void> {
  const { readLines } = await import('../sources/file/read-lines.js')
  const { createParser, parseLines } = await import('../parsers/index.js')
  const { isParseFailure } = await import('../core/types.js')
  const parser = createParser('combined')
  const t0 = performance.now()
  let lines = 0
  let parsed = 0
  for await (const batch of readLines(file, { maxLineBytes: MAX_LINE_BYTES })) {
    lines += batch.lines.length
    for (const r of parseLines(parser, batch, '')) if (!isParseFailure(r)) parsed++
  }
  const result: ParseChildResult = { lines, parsed, ms: performance.now() - t0 }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

interface Ctx {
  tmp: string
  hook: { url: string; dir: string }
  runs: number
  lines: number
  seed: number
  file: string
  summary: string[][]
}

const node = process.execPath
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  delete env.LOOKOUT_CONFIG
  return env
}

function check(r: RunResult, what: string): RunResult {
  if (r.code !== 0)
    throw new Error(`${what} exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`)
  return r
}

async function generate(ctx: Ctx, out: string, extra: string[]): Promise<void> {
  const r = check(
    await runMeasured(node, [
      join(DIST, 'generator/cli.js'),
      '--seed',
      String(ctx.seed),
      '--lines',
      String(ctx.lines),
      '--out',
      out,
      ...extra,
    ]),
    'generator',
  )
  const size = statSync(out).size
  console.log(`  generated ${out}: ${ctx.lines} lines, ${(size / 2 ** 20).toFixed(0)} MiB in ${secs(r.ms)}`)
}

/** Wall time, CPU time and peak RSS of several runs of one command. */
class Samples {
  readonly wall: number[] = []
  readonly cpu: number[] = []
  readonly rss: number[] = []
  add(r: RunResult, wallMs = r.ms): void {
    this.wall.push(wallMs)
    if (r.cpuMs !== null) this.cpu.push(r.cpuMs)
    if (r.maxRssKiB !== null) this.rss.push(r.maxRssKiB)
  }
  get peak(): number | null {
    return this.rss.length ? Math.max(...this.rss) : null
  }
  /** a table row: what, wall median, spread, rate on wall, CPU median, rate on CPU, peak RSS */
  row(what: string, lines: number): string[] {
    const w = median(this.wall)
    // /usr/bin/time counts in 10 ms steps: below that the CPU figure means nothing
    const c = this.cpu.length && median(this.cpu) >= 10 ? median(this.cpu) : null
    return [
      what,
      secs(w),
      `±${noise(this.wall).toFixed(0)}%`,
      rate(lines, w),
      c === null ? '' : secs(c),
      c === null ? '' : rate(lines, c),
      this.peak === null ? '' : mib(this.peak),
    ]
  }
}

const cpuRatioOf = (a: Samples, b: Samples): number | null =>
  a.cpu.length && b.cpu.length && median(b.cpu) >= 10 ? median(a.cpu) / median(b.cpu) : null

const HEADER = ['what', 'wall', 'spread', 'rate (wall)', 'CPU', 'rate (CPU)', 'peak RSS']

const grep = async (ctx: Ctx, args: string[], into: Samples): Promise<void> =>
  into.add(check(await runMeasured('grep', [...args, ctx.file], { env: { LC_ALL: 'C' }, useTime: true }), 'grep'))

async function sectionParse(ctx: Ctx): Promise<void> {
  console.log(`\na) read + parse, ${ctx.lines}-line combined log, one core`)
  if (!built('sources/file/read-lines.js') || !built('parsers/index.js'))
    return void console.log('  skipped (not built yet)')
  const inner = new Samples()
  const proc = new Samples()
  const g = new Samples()
  let parsed = 0
  for (let i = 0; i < ctx.runs; i++) {
    await grep(ctx, ['-c', ''], g)
    const r = check(await runMeasured(node, [SELF, '--child', 'parse', ctx.file], { rssHook: ctx.hook }), 'parse child')
    const res = JSON.parse(r.stdout) as ParseChildResult
    if (res.lines !== ctx.lines) throw new Error(`parse child read ${res.lines} lines, expected ${ctx.lines}`)
    parsed = res.parsed
    inner.wall.push(res.ms)
    proc.add(r)
  }
  const ratio = median(proc.wall) / median(g.wall)
  const cpuRatio = cpuRatioOf(proc, g)
  printTable([
    HEADER,
    inner.row('read+parse loop (in the child)', ctx.lines),
    proc.row('read+parse child process', ctx.lines),
    g.row("LC_ALL=C grep -c ''", ctx.lines),
  ])
  console.log(
    `  parsed ${parsed} of ${ctx.lines} lines; ratio to grep: wall ${ratio.toFixed(2)}x` +
      (cpuRatio === null ? '' : `, CPU ${cpuRatio.toFixed(2)}x`),
  )
  const perS = (ctx.lines / median(inner.wall)) * 1000
  ctx.summary.push(
    ['a', 'read+parse ≥ 1.5M lines/s (loop, wall)', rate(ctx.lines, median(inner.wall)), verdict(perS >= 1.5e6)],
    ['a', 'read+parse < 3x grep -c (process wall)', `${ratio.toFixed(2)}x`, verdict(ratio < 3)],
    ['a', 'read+parse RSS < 100 MiB', mib(proc.peak), verdict(proc.peak !== null && proc.peak < 100 * 1024)],
  )
}

interface ScanJson {
  lines: number
  parsed: number
  unparsed: number
  incidents: Array<{ kind: string; ips?: string[] }>
}

async function scan(ctx: Ctx, file: string, runs: number, timeoutMs: number, grepArgs: string[] | null) {
  const s = new Samples()
  const g = new Samples()
  let report: ScanJson | null = null
  for (let i = 0; i < runs; i++) {
    if (grepArgs) await grep({ ...ctx, file }, grepArgs, g)
    const r = check(
      await runMeasured(node, [join(DIST, 'cli/lookout.js'), 'scan', '--json', file], {
        rssHook: ctx.hook,
        env: cleanEnv(),
        timeoutMs,
      }),
      'lookout scan',
    )
    s.add(r)
    try {
      report = JSON.parse(r.stdout) as ScanJson
    } catch {
      report = null
    }
  }
  return { s, g, report }
}

const incidentKinds = (report: ScanJson | null): string => {
  if (!report) return 'report not parsed'
  const kinds = new Map<string, number>()
  for (const i of report.incidents) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1)
  return `${report.incidents.length} incidents (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'})`
}

async function sectionScan(ctx: Ctx): Promise<void> {
  console.log(`\nb) lookout scan --json, the same ${ctx.lines}-line log, wordpress + web packs`)
  if (!built('cli/lookout.js') || !built('cli/commands/scan.js')) return void console.log('  skipped (not built yet)')
  const { s, g, report } = await scan(ctx, ctx.file, Math.min(ctx.runs, 3), 120_000, ['-cE', 'wp-login|xmlrpc'])
  if (report && report.lines !== ctx.lines)
    throw new Error(`scan reported ${report.lines} lines, expected ${ctx.lines}`)
  const ratio = median(s.wall) / median(g.wall)
  const cpuRatio = cpuRatioOf(s, g)
  printTable([HEADER, s.row('lookout scan --json', ctx.lines), g.row("LC_ALL=C grep -cE 'wp-login|xmlrpc'", ctx.lines)])
  console.log(
    `  ${incidentKinds(report)}; unparsed ${report?.unparsed ?? '?'}; ratio to grep: wall ${ratio.toFixed(2)}x` +
      (cpuRatio === null ? '' : `, CPU ${cpuRatio.toFixed(2)}x`),
  )
  const perS = (ctx.lines / median(s.wall)) * 1000
  ctx.summary.push(
    ['b', 'scan ≥ 1M lines/s (process wall)', rate(ctx.lines, median(s.wall)), verdict(perS >= 1e6)],
    ['b', 'scan within 4x grep -cE (wall)', `${ratio.toFixed(2)}x`, verdict(ratio <= 4)],
    ['b', 'scan RSS < 150 MiB', mib(s.peak), verdict(s.peak !== null && s.peak < 150 * 1024)],
  )
}

async function sectionDistinct(ctx: Ctx): Promise<void> {
  console.log(`\nc) lookout scan --json over ${ctx.lines} failed logins, each from a new IP`)
  if (!built('cli/lookout.js') || !built('cli/commands/scan.js')) return void console.log('  skipped (not built yet)')
  const file = join(ctx.tmp, 'distinct.log')
  await generate(ctx, file, ['--distinct-attackers'])
  const { s, report } = await scan(ctx, file, Math.min(ctx.runs, 2), 170_000, null)
  rmSync(file, { force: true })
  printTable([HEADER, s.row('lookout scan --json', ctx.lines)])
  console.log(`  ${incidentKinds(report)} (max_tracked_keys, default 1,000,000, bounds the per-key state)`)
  ctx.summary.push(['c', `scan RSS, ${ctx.lines} distinct attacking IPs`, mib(s.peak), 'reported'])
}

async function sectionExternal(ctx: Ctx, title: string, rel: string, args: string[]): Promise<void> {
  console.log(`\n${title}`)
  if (!built(rel)) return void console.log('  skipped (not built yet)')
  const r = await runMeasured(node, [join(DIST, rel), ...args], {
    rssHook: ctx.hook,
    env: cleanEnv(),
    timeoutMs: 150_000,
  })
  for (const line of r.stdout.trimEnd().split('\n')) if (line) console.log(`  ${line}`)
  if (r.code !== 0) console.log(`  exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
  console.log(`  (child wall ${secs(r.ms)}, peak RSS ${mib(r.maxRssKiB)})`)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      lines: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string', default: 'a,b,c,d,e' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const runs = Number(values.runs)
  const lines = Number(values.lines)
  const seed = Number(values.seed)
  if (![runs, lines, seed].every(Number.isInteger) || runs < 1 || lines < 1)
    throw new Error('--runs, --lines and --seed take whole numbers')
  const only = new Set(values.only.split(','))
  const tmp = mkdtempSync(join(tmpdir(), 'lookout-bench-'))
  const ctx: Ctx = {
    tmp,
    hook: { url: installRssHook(tmp), dir: tmp },
    runs,
    lines,
    seed,
    file: join(tmp, 'combined.log'),
    summary: [],
  }
  const started = performance.now()
  console.log(
    `lookout bench: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; medians of ${runs} runs (shared machine: expect noise)`,
  )
  try {
    if (only.has('a') || only.has('b')) {
      if (!built('generator/cli.js')) throw new Error('dist/generator/cli.js is missing: run npm run build')
      await generate(ctx, ctx.file, ['--format', 'combined'])
    }
    if (only.has('a')) await sectionParse(ctx)
    if (only.has('b')) await sectionScan(ctx)
    if (only.has('c')) await sectionDistinct(ctx)
    if (only.has('d'))
      await sectionExternal(ctx, 'd) idle watch of 2,000 files', 'bench/idle-watch.js', [
        '--files',
        '2000',
        '--seconds',
        '10',
        '--lines',
        '1000',
      ])
    if (only.has('e')) await sectionExternal(ctx, 'e) alert latency', 'bench/latency.js', ['10'])
  } finally {
    if (!values.keep) rmSync(tmp, { recursive: true, force: true })
    else console.log(`\nkept ${tmp}`)
  }
  if (ctx.summary.length) {
    console.log('\nTargets')
    printTable([['', 'target', 'measured', ''], ...ctx.summary])
  }
  console.log(`\nbench took ${secs(performance.now() - started)}; load now ${loadavg()[0]?.toFixed(2)}`)
}

const [mode, what, file] = process.argv.slice(2)
if (mode === '--child') {
  if (what !== 'parse' || !file) throw new Error(`unknown child section ${what}`)
  await childParse(file)
} else {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  })
}
