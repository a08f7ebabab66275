/**
 * Parse-only micro benchmark: 1M synthetic combined lines (seeded, so every run parses the same text), each format's
 * parser over all of them, median of 5 runs, lines/s.
 *
 * The lines are given to the parser as the pipeline gives them: the text is held as bytes, each 256 KiB chunk is split
 * by the LineSplitter (not timed) and parsed as a batch by parseLines (timed), so a parser that reads the batch's
 * bytes does. The "in memory" rows parse 1M separately built strings one by one with `parse` (the path for a single
 * line: the CLF parser first writes it into its tokenizer's memory).
 *
 *   npm run build && node dist/bench/parse-bench.js [--lines N] [--runs N]
 */
import { loadavg } from 'node:os'
import { createIpMatcher } from '../core/ip.js'
import { seededRandom as rng } from '../core/prng.js'
import { isParseFailure, type LineBatch, type Parser } from '../core/types.js'
import { createApacheParser } from '../parsers/apache-format.js'
import { createParser, parseLines } from '../parsers/index.js'
import { LineSplitter } from '../sources/line-splitter.js'

const PATHS = ['/', '/wp-login.php', '/xmlrpc.php', '/wp-admin/admin-ajax.php', '/shop/cart?add=42', '/feed/', '/.env']
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'curl/8.5.0',
  'python-requests/2.31.0',
]
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

export function syntheticLines(n: number, opts: { vhost?: boolean; v6Share?: number } = {}): string[] {
  const next = rng(7)
  const lines: string[] = new Array(n)
  let t = Date.UTC(2024, 2, 5, 0, 0, 0)
  for (let i = 0; i < n; i++) {
    t += Math.floor(next() * 20)
    const d = new Date(t)
    const stamp =
      `${String(d.getUTCDate()).padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:` +
      `${String(d.getUTCSeconds()).padStart(2, '0')} +0000`
    const ip =
      next() < (opts.v6Share ?? 0.05)
        ? `2001:db8:${Math.floor(next() * 65535).toString(16)}::${Math.floor(next() * 65535).toString(16)}`
        : `${1 + Math.floor(next() * 222)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}`
    const path = PATHS[Math.floor(next() * PATHS.length)] as string
    const method = path === '/wp-login.php' || path === '/xmlrpc.php' ? 'POST' : 'GET'
    const status = [200, 200, 200, 301, 404, 403][Math.floor(next() * 6)] as number
    const ua = AGENTS[Math.floor(next() * AGENTS.length)] as string
    const vhost = opts.vhost ? `site${Math.floor(next() * 2000)}.example:443 ` : ''
    lines[i] =
      `${vhost}${ip} - - [${stamp}] "${method} ${path} HTTP/1.1" ${status} ${Math.floor(next() * 50000)} ` +
      `"https://site.example/" "${ua}"`
  }
  return lines
}

function time(parser: Parser, lines: string[]): { ms: number; failures: number } {
  let failures = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < lines.length; i++) {
    if (isParseFailure(parser.parse(lines[i] as string, 'bench'))) failures++
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, failures }
}

const CHUNK = 256 * 1024

/** Parses `text` batch by batch as the file reader hands them out (split untimed); only parseLines is timed. */
function timeAsRead(parser: Parser, text: Buffer): { ms: number; failures: number } {
  const splitter = new LineSplitter(64 * 1024)
  let ns = 0n
  let failures = 0
  for (let s = 0; s < text.length; s += CHUNK) {
    const chunk = text.subarray(s, s + CHUNK)
    const lines = splitter.push(chunk)
    const batch: LineBatch = {
      path: 'bench',
      site: '',
      fingerprint: null,
      lines,
      startOffset: 0,
      endOffset: 0,
      bytes: chunk.length,
      truncated: 0,
      raw: splitter.lastRaw,
    }
    const start = process.hrtime.bigint()
    for (const r of parseLines(parser, batch, 'bench')) if (isParseFailure(r)) failures++
    ns += process.hrtime.bigint() - start
  }
  return { ms: Number(ns) / 1e6, failures }
}

function main(): void {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(name)
    return i > 0 ? Number(process.argv[i + 1]) : def
  }
  const n = arg('--lines', 1_000_000)
  const runs = arg('--runs', 5)
  // name, parser, vhost lines, also measured over strings held in memory
  const cases: Array<[string, () => Parser, boolean, boolean]> = [
    ['combined', () => createParser('combined'), false, true],
    ['auto (combined)', () => createParser('auto'), false, false],
    ['combined + trusted_proxies cloudflare', () => createParser('combined', { trustedProxies: cf }), false, false],
    ['{apache: combined LogFormat} (compiled)', () => createApacheParser(COMBINED), false, false],
    ['vhost_combined', () => createParser('vhost_combined'), true, true],
  ]
  console.log(
    `parse-only, ${n} lines, median of ${runs} runs, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  let lines = syntheticLines(n)
  let text = Buffer.from(`${lines.join('\n')}\n`, 'latin1')
  // calibration: what one indexOf per line costs on this machine right now (the host may be shared)
  const base = median(runs, () => {
    let x = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < lines.length; i++) x += (lines[i] as string).indexOf('"')
    if (x === 42) console.log('')
    return Number(process.hrtime.bigint() - start) / 1e6
  })
  report('baseline: one indexOf per line (in memory)', n, base, 0)
  for (const [name, make, vhost, cold] of cases) {
    if (vhost) {
      lines = syntheticLines(n, { vhost: true })
      text = Buffer.from(`${lines.join('\n')}\n`, 'latin1')
    }
    const parser = make()
    // warm up both ways in
    time(parser, lines.slice(0, 50_000))
    timeAsRead(parser, Buffer.from(`${lines.slice(0, 50_000).join('\n')}\n`, 'latin1'))
    let failures = 0
    const ms = median(runs, () => {
      const r = timeAsRead(parser, text)
      failures = r.failures
      return r.ms
    })
    report(name, n, ms, failures)
    if (cold) {
      const msCold = median(runs, () => {
        const r = time(parser, lines)
        failures = r.failures
        return r.ms
      })
      report(`${name} (in memory)`, n, msCold, failures)
    }
  }
}

const COMBINED = '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"'
const cf = createIpMatcher(['cloudflare'])

function median(runs: number, run: () => number): number {
  const results: number[] = []
  for (let r = 0; r < runs; r++) results.push(run())
  results.sort((a, b) => a - b)
  return results[Math.floor(results.length / 2)] as number
}

function report(name: string, n: number, ms: number, failures: number): void {
  const rate = (n / ms) * 1000
  console.log(
    `${name.padEnd(44)} ${(rate / 1e6).toFixed(2).padStart(6)} M lines/s  (median ${ms.toFixed(0)} ms, failures ${failures})`,
  )
}

main()
