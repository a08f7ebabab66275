import type { ScanProgress } from './scan.js'

export interface Progress {
  /** a progress report; redraws at most every `intervalMs` */
  update: (p: ScanProgress) => void
  /** clears the bar (call before printing the report) */
  done: () => void
}

/** Where the bar is drawn: a TTY stream (stderr). Anything without `isTTY` gets no bar at all. */
export interface ProgressStream {
  isTTY?: boolean
  columns?: number
  write(s: string): boolean
}

export interface ProgressOptions {
  now?: () => number
  intervalMs?: number
}

const MIB = 1024 * 1024

const size = (b: number): string =>
  b >= 1024 * MIB ? `${(b / 1024 / MIB).toFixed(2)} GiB` : `${(b / MIB).toFixed(1)} MiB`

const rate = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : `${Math.round(n)}`

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** One line of progress: `[#####.....]  52%  120.3/231.0 MiB  1.21M lines/s  ETA 0:09`. */
export function formatProgress(p: ScanProgress, elapsedMs: number, width = 80): string {
  const secs = elapsedMs / 1000
  const lps = secs > 0 ? p.lines / secs : 0
  const parts: string[] = []
  if (p.totalBytes > 0) {
    const frac = Math.min(1, p.bytes / p.totalBytes)
    const barWidth = Math.max(10, Math.min(30, width - 60))
    const filled = Math.round(frac * barWidth)
    parts.push(
      `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`,
      `${String(Math.floor(frac * 100)).padStart(3)}%`,
    )
    parts.push(`${size(p.bytes).replace(/ .*/, '')}/${size(p.totalBytes)}`)
  } else {
    parts.push(size(p.bytes))
  }
  parts.push(`${rate(lps)} lines/s`)
  if (p.totalBytes > 0 && p.bytes > 0 && secs > 0.5) {
    const bps = p.bytes / secs
    parts.push(`ETA ${clock(Math.max(0, p.totalBytes - p.bytes) / bps)}`)
  }
  return parts.join('  ').slice(0, Math.max(20, width - 1))
}

/** A progress bar on a TTY (bytes, lines/s, ETA); nothing at all when the stream is not a TTY (piped, redirected). */
export function createProgress(stream: ProgressStream, opts: ProgressOptions = {}): Progress {
  if (stream.isTTY !== true) return { update: () => {}, done: () => {} }
  const now = opts.now ?? (() => performance.now())
  const interval = opts.intervalMs ?? 100
  const start = now()
  let last = Number.NEGATIVE_INFINITY
  let drawn = false
  return {
    update: (p) => {
      const t = now()
      if (t - last < interval) return
      last = t
      drawn = true
      stream.write(`\r${formatProgress(p, t - start, stream.columns || 80)}\x1b[K`)
    },
    done: () => {
      if (drawn) stream.write('\r\x1b[K')
      drawn = false
    },
  }
}
