/**
 * Benchmark helpers: run a command in a child process and measure its wall time and peak RSS, medians, a table.
 * Peak RSS of a node child comes from a tiny preload (`--import`) that writes `process.resourceUsage().maxRSS` on
 * exit, so each section's memory is that process's alone.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export interface RunResult {
  /** wall time, from spawn to exit */
  ms: number
  /** peak RSS of the child in KiB; null when not measured */
  maxRssKiB: number | null
  /**
   * user + system CPU time of the child; null when not measured. On a loaded machine this is the steadier figure
   * (a node child's includes its GC threads, so it can exceed single-core wall time).
   */
  cpuMs: number | null
  code: number | null
  stdout: string
  stderr: string
}

const RSS_HOOK = `import { writeFileSync } from 'node:fs'
const out = process.env.LOOKOUT_BENCH_RSS_OUT
if (out) {
  delete process.env.LOOKOUT_BENCH_RSS_OUT
  process.on('exit', () => {
    const u = process.resourceUsage()
    writeFileSync(out, JSON.stringify({ maxRSS: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }))
  })
}
`

/** Writes the RSS preload into `dir`; returns the value for `node --import`. */
export function installRssHook(dir: string): string {
  const file = join(dir, 'rss-hook.mjs')
  writeFileSync(file, RSS_HOOK)
  return pathToFileURL(file).href
}

const TIME = '/usr/bin/time'

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** node children: measure peak RSS and CPU time with the preload from installRssHook */
  rssHook?: { url: string; dir: string }
  /** other commands: measure CPU time and peak RSS with /usr/bin/time, when installed */
  useTime?: boolean
}

let runSeq = 0

function readJson(file: string): { maxRSS: number; cpuMs: number } | null {
  if (!existsSync(file)) return null
  const u = JSON.parse(readFileSync(file, 'utf8')) as { maxRSS: number; cpuMs: number }
  rmSync(file, { force: true })
  return u
}

function readTime(file: string): { maxRSS: number; cpuMs: number } | null {
  if (!existsSync(file)) return null
  const last = readFileSync(file, 'utf8').trim().split('\n').pop() ?? ''
  rmSync(file, { force: true })
  const [user, sys, rss] = last.split(' ').map(Number)
  if (user === undefined || sys === undefined || rss === undefined || [user, sys, rss].some(Number.isNaN)) return null
  return { maxRSS: rss, cpuMs: (user + sys) * 1000 }
}

/** Runs `cmd args…` and measures its wall time (and, with rssHook or useTime, its peak RSS and CPU time). */
export function runMeasured(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const seq = runSeq++
  const hookOut = opts.rssHook ? join(opts.rssHook.dir, `rss-${process.pid}-${seq}.json`) : null
  const timeOut =
    !opts.rssHook && opts.useTime && existsSync(TIME)
      ? join(tmpdir(), `lookout-bench-time-${process.pid}-${seq}`)
      : null
  let finalCmd = cmd
  let finalArgs = opts.rssHook ? ['--import', opts.rssHook.url, ...args] : args
  if (timeOut) {
    finalCmd = TIME
    finalArgs = ['-f', '%U %S %M', '-o', timeOut, cmd, ...finalArgs]
  }
  const env = { ...process.env, ...opts.env, ...(hookOut ? { LOOKOUT_BENCH_RSS_OUT: hookOut } : {}) }
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(finalCmd, finalArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let outBytes = 0
    child.stdout.on('data', (b: Buffer) => {
      // keep at most 64 MiB: a report bigger than that is not parsed anyway
      if (outBytes < 64 << 20) out.push(b)
      outBytes += b.length
    })
    child.stderr.on('data', (b: Buffer) => err.push(b))
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (timer) clearTimeout(timer)
      const usage = hookOut ? readJson(hookOut) : timeOut ? readTime(timeOut) : null
      resolve({
        ms,
        maxRssKiB: usage?.maxRSS ?? null,
        cpuMs: usage?.cpuMs ?? null,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
  })
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Half the min–max range relative to the median, in %: a rough noise figure for a handful of runs. */
export function noise(xs: readonly number[]): number {
  if (xs.length < 2) return 0
  return ((Math.max(...xs) - Math.min(...xs)) / 2 / median(xs)) * 100
}

export const mib = (kib: number | null): string => (kib === null ? '?' : `${(kib / 1024).toFixed(0)} MiB`)
export const rate = (lines: number, ms: number): string => {
  const perS = (lines / ms) * 1000
  return perS >= 1e6 ? `${(perS / 1e6).toFixed(2)}M lines/s` : `${(perS / 1e3).toFixed(0)}k lines/s`
}
export const secs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`)

/** Prints rows as an aligned table (first row: header). */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = []
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length)
    })
  }
  rows.forEach((r, n) => {
    console.log(
      `  ${r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}`,
    )
    if (n === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`)
  })
}

/** A check against a target, for the table: "ok" or "MISSED". */
export const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED')
