/**
 * Detector engine micro benchmark (issue 3): events/s for ordinary traffic and for attack traffic, and memory per
 * 100k tracked keys. Events are built in memory (no parsing), both packs on, median of `--runs`.
 *
 *   npm run build && node --expose-gc dist/bench/engine-bench.js [--events 1000000] [--runs 5] [--keys 1000000]
 */
import { parseArgs } from 'node:util'
import { createIpMatcher } from '../core/ip.js'
import { seededRandom as rng } from '../core/prng.js'
import type { LogEvent } from '../core/types.js'
import { compileRules, detectionConfig } from '../detectors/config.js'
import { createEngine, type Engine } from '../detectors/engine.js'

const T0 = Date.UTC(2024, 4, 1)

/**
 * The path cut from a log line, as a parser hands it over: a new string for every event whose hash V8 has not
 * computed yet (a constant path would be hashed once, and a Map lookup by it would look cheaper than it is).
 */
const cut = (ip: string, method: string, path: string): string => {
  const line = `${ip} - - [01/May/2024:00:00:00 +0000] "${method} ${path} HTTP/1.1" 200 1234`
  const start = line.indexOf('"') + method.length + 2
  return line.slice(start, start + path.length)
}

const ev = (time: number, ip: string, method: string, path: string, query: string, status: number): LogEvent => ({
  time,
  ip,
  site: `site${ip.length % 7}.example`,
  service: 'http',
  method,
  path: cut(ip, method, path),
  query,
  protocol: 'HTTP/1.1',
  status,
  bytes: 1234,
  referer: '',
  userAgent: 'Mozilla/5.0',
  user: '',
  outcome: '',
})

/** A busy multi-site server: pages, assets, feeds, admin-ajax heartbeats, a few 404s and logins. */
function ordinary(n: number): LogEvent[] {
  const r = rng(1)
  const pages = ['/', '/shop/', '/blog/hello-world/', '/product/blue-mug/', '/feed/', '/contact/', '/about/']
  const assets = [
    '/wp-content/themes/x/style.css',
    '/wp-includes/js/jquery/jquery.min.js',
    '/wp-content/uploads/2024/05/a.jpg',
  ]
  const out: LogEvent[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const ip = `${(r() * 200 + 20) | 0}.${(r() * 255) | 0}.${(r() * 255) | 0}.${(r() * 255) | 0}`
    const x = r()
    const t = T0 + i * 20
    out[i] =
      x < 0.45
        ? ev(t, ip, 'GET', assets[(r() * assets.length) | 0] as string, '', 200)
        : x < 0.9
          ? ev(t, ip, 'GET', pages[(r() * pages.length) | 0] as string, x < 0.5 ? 'p=12' : '', 200)
          : x < 0.96
            ? ev(t, ip, 'POST', '/wp-admin/admin-ajax.php', '', 200)
            : x < 0.99
              ? ev(t, ip, 'GET', `/missing-${(r() * 1000) | 0}`, '', 404)
              : ev(t, ip, 'POST', '/wp-login.php', '', 302)
  }
  return out
}

/** Attack traffic: failed logins and xmlrpc POSTs from 10k IPs, user enumeration and 404 scans. */
function attack(n: number): LogEvent[] {
  const r = rng(2)
  const out: LogEvent[] = new Array(n)
  // one flat string per address, as the parser hands out a known IPv4 address (a template per event would be a new
  // rope each time, flattened and hashed by every Map lookup)
  const ips = Array.from({ length: 10_000 }, (_, k) => Buffer.from(`10.0.${k >> 8}.${k & 255}`).toString('latin1'))
  for (let i = 0; i < n; i++) {
    const ip = ips[(r() * 10_000) | 0] as string
    const x = r()
    const t = T0 + i * 5
    out[i] =
      x < 0.5
        ? ev(t, ip, 'POST', '/wp-login.php', '', 200)
        : x < 0.8
          ? ev(t, ip, 'POST', '/xmlrpc.php', '', 200)
          : x < 0.9
            ? ev(t, ip, 'GET', '/', `author=${(r() * 10) | 0}`, 301)
            : ev(t, ip, 'GET', `/scan-${(r() * 500) | 0}.php`, '', 404)
  }
  return out
}

const newEngine = (maxTrackedKeys: number): Engine =>
  createEngine(compileRules(detectionConfig.parse({})), { maxTrackedKeys, allow: createIpMatcher(['127.0.0.0/8']) })

/** events/s by wall time and by this process's CPU time (a shared machine steals the difference) */
function rateOf(make: () => LogEvent[], runs: number): { median: number; cpu: number; findings: number } {
  const rates: number[] = []
  const cpus: number[] = []
  let findings = 0
  for (let k = 0; k < runs; k++) {
    const events = make() // fresh strings every run (see cut)
    const engine = newEngine(1_000_000)
    findings = 0
    const c0 = process.cpuUsage()
    const t = performance.now()
    for (const e of events) findings += engine.observe(e).length
    rates.push(events.length / ((performance.now() - t) / 1000))
    const c = process.cpuUsage(c0)
    cpus.push(events.length / ((c.user + c.system) / 1e6))
  }
  const mid = (xs: number[]): number => xs[xs.length >> 1] as number
  return { median: mid(rates.sort((a, b) => a - b)), cpu: mid(cpus.sort((a, b) => a - b)), findings }
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.()
const heapMiB = (): number => {
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

/** Each of `keys` IPs sends one failed login (the 1M-distinct-attackers case); heap growth per 100k keys. */
function memory(
  keys: number,
  maxTrackedKeys: number,
): { mib: number; perHundredK: number; tracked: number; evicted: number } {
  const before = heapMiB()
  const engine = newEngine(maxTrackedKeys)
  for (let i = 0; i < keys; i++) {
    const ip = `${11 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`
    engine.observe(ev(T0 + i, ip, 'POST', '/wp-login.php', '', 200))
  }
  const mib = heapMiB() - before
  const { keys: tracked, evicted } = engine.stats()
  // keep the engine alive until measured
  if (tracked < 0) console.log(engine)
  return { mib, perHundredK: (mib / tracked) * 100_000, tracked, evicted }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '5' },
      keys: { type: 'string', default: '1000000' },
    },
  })
  const n = Number(values.events)
  const runs = Number(values.runs)
  const keys = Number(values.keys)
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with node --expose-gc for exact memory numbers)')
  const o = rateOf(() => ordinary(n), runs)
  console.log(
    `ordinary traffic: ${(o.median / 1e6).toFixed(2)}M events/s wall, ${(o.cpu / 1e6).toFixed(2)}M/s CPU (${o.findings} findings)`,
  )
  const a = rateOf(() => attack(n), runs)
  console.log(
    `attack traffic (10k IPs): ${(a.median / 1e6).toFixed(2)}M events/s wall, ${(a.cpu / 1e6).toFixed(2)}M/s CPU (${a.findings} findings)`,
  )
  const m = memory(keys, keys)
  console.log(
    `memory: ${keys} attacking IPs, max_tracked_keys ${keys}: ${m.tracked} keys, ${m.mib.toFixed(0)} MiB heap, ` +
      `${m.perHundredK.toFixed(1)} MiB per 100k keys`,
  )
  const b = memory(keys, Math.max(1, keys / 10))
  console.log(
    `bounded: ${keys} attacking IPs, max_tracked_keys ${keys / 10}: ${b.tracked} keys, ${b.evicted} evicted, ` +
      `${b.mib.toFixed(0)} MiB heap`,
  )
}

main()
