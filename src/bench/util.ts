/**
 * Benchmark helpers: run a command in a child process and measure its wall time and peak RSS, medians, a table.
 * Peak RSS of a node child comes from a tiny preload (`--import`) that writes `process.resourceUsage().maxRSS` on
 * exit, so each section's memory is that process's alone.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export interface RunResult {
  /** wall time, from spawn to exit */
  ms: number
  /** peak RSS of the child in KiB; null when not measured (non-node commands) */
  maxRssKiB: number | null
  code: number | null
  stdout: string
  stderr: string
}

const RSS_HOOK = `import { writeFileSync } from 'node:fs'
const out = process.env.LOOKOUT_BENCH_RSS_OUT
if (out) {
  delete process.env.LOOKOUT_BENCH_RSS_OUT
  process.on('exit', () => writeFileSync(out, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS })))
}
`

/** Writes the RSS preload into `dir`; returns the value for `node --import`. */
export function installRssHook(dir: string): string {
  const file = join(dir, 'rss-hook.mjs')
  writeFileSync(file, RSS_HOOK)
  return pathToFileURL(file).href
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  /** write stdout here instead of keeping it in memory */
  stdoutFile?: string
  timeoutMs?: number
}

let runSeq = 0

/** Runs `cmd args…` and measures it. For node children pass `rssHook` (from installRssHook) to get the peak RSS. */
export function runMeasured(
  cmd: string,
  args: string[],
  opts: RunOptions & { rssHook?: { url: string; dir: string } } = {},
): Promise<RunResult> {
  const rssOut = opts.rssHook ? join(opts.rssHook.dir, `rss-${process.pid}-${runSeq++}.json`) : null
  const finalArgs = opts.rssHook ? ['--import', opts.rssHook.url, ...args] : args
  const env = { ...process.env, ...opts.env, ...(rssOut ? { LOOKOUT_BENCH_RSS_OUT: rssOut } : {}) }
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(cmd, finalArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] })
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
      let maxRssKiB: number | null = null
      if (rssOut && existsSync(rssOut)) {
        maxRssKiB = (JSON.parse(readFileSync(rssOut, 'utf8')) as { maxRSS: number }).maxRSS
        rmSync(rssOut, { force: true })
      }
      resolve({
        ms,
        maxRssKiB,
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
