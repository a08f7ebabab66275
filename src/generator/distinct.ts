/**
 * A worst case for memory: every line is a failed login (GET-less POST answered 200) from a new IPv4 address,
 * spread over a few sites, one line every few milliseconds. Used by the benchmark's "1M distinct attackers" section.
 */
import { ClfClock, formatHit } from './format.js'

export interface DistinctAttackerOptions {
  lines: number
  start: number
  /** default 5 */
  sites?: number
  /** ms between lines; default 5 (1M lines ≈ 83 minutes) */
  stepMs?: number
}

export function* distinctAttackerLines(opts: DistinctAttackerOptions): Generator<string, void, undefined> {
  const clock = new ClfClock()
  const sites = opts.sites ?? 5
  const step = opts.stepMs ?? 5
  for (let i = 0; i < opts.lines; i++) {
    // 45.0.0.1 upwards, skipping .0 and .255: one address per line, never repeated (up to ~16M lines)
    const n = i + Math.floor(i / 254) * 2 + 1
    const ip = `${45 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
    const site = `site${i % sites}.example`
    yield formatHit(
      {
        time: opts.start + i * step,
        ip,
        site,
        port: 443,
        method: 'POST',
        target: '/wp-login.php',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 5123,
        user: '',
        referer: `https://${site}/wp-login.php`,
        userAgent: 'python-requests/2.31.0',
        label: 'attack:distinct',
      },
      'combined',
      clock,
    )
  }
}
