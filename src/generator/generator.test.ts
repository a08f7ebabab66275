import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CAMPAIGNS, type GeneratedLine, type GenerateOptions, generateTraffic, writeLabelledLogs } from './index.js'

const DAY = 86_400_000
const START = Date.UTC(2024, 2, 4)
const dayOpts: GenerateOptions = { seed: 7, start: START, durationMs: DAY, sites: 12, linesPerSecond: 1.5 }

interface Req {
  time: number
  ip: string
  site: string
  method: string
  path: string
  query: string
  status: number
  user: string
  label: string
}

// test-only parsing of our own output (vhost_combined), not attacker-controlled text
const LINE = /^(\S+):(\d+) (\S+) - (\S+) \[[^\]]+\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+) "[^"]*" "[^"]*"$/

function toReq(l: GeneratedLine): Req {
  const m = LINE.exec(l.line)
  if (!m) throw new Error(`unexpected line: ${l.line}`)
  const target = m[6] ?? ''
  const q = target.indexOf('?')
  return {
    time: l.time,
    ip: m[3] ?? '',
    site: m[1] ?? '',
    method: m[5] ?? '',
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    status: Number(m[8]),
    user: m[4] ?? '',
    label: l.label,
  }
}

/** The largest number of events within any window of `ms` (events arrive in time order). */
class MaxInWindow {
  private readonly times = new Map<string, number[]>()
  readonly max = new Map<string, number>()
  constructor(private readonly ms: number) {}
  add(key: string, t: number): void {
    let q = this.times.get(key)
    if (!q) {
      q = []
      this.times.set(key, q)
    }
    q.push(t)
    while ((q[0] as number) <= t - this.ms) q.shift()
    if (q.length > (this.max.get(key) ?? 0)) this.max.set(key, q.length)
  }
}

/** The largest number of distinct values within any window of `ms`. */
class MaxDistinct {
  private readonly seen = new Map<string, Map<string, number>>()
  readonly max = new Map<string, number>()
  constructor(private readonly ms: number) {}
  add(key: string, value: string, t: number): void {
    let m = this.seen.get(key)
    if (!m) {
      m = new Map()
      this.seen.set(key, m)
    }
    m.set(value, t)
    for (const [v, at] of m) if (at <= t - this.ms) m.delete(v)
    if (m.size > (this.max.get(key) ?? 0)) this.max.set(key, m.size)
  }
}

const MIN = 60_000
const isJetpack = (ip: string) => /^192\.0\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./.test(ip)
const SENSITIVE =
  /^\/(\.env|\.git\/|\.svn\/|\.aws\/|wp-config\.php.|\.wp-config|backup\.|db\.sql|site\.sql|phpmyadmin|pma\/|wp-content\/debug\.log)/
const isUserListing = (r: Req) =>
  (r.path.startsWith('/wp-json/wp/v2/users') && !r.path.startsWith('/wp-json/wp/v2/users/me')) ||
  /(^|&)rest_route=\/wp\/v2\/users(?!\/me)/.test(r.query)

/** A reference implementation of the issue-3 thresholds, to check the generator's actors against them. */
function measure(reqs: Iterable<Req>) {
  const w = {
    login1m: new MaxInWindow(MIN),
    login1h: new MaxInWindow(60 * MIN),
    login24h: new MaxInWindow(24 * 60 * MIN),
    login1hBy64: new MaxInWindow(60 * MIN),
    xmlrpc5m: new MaxInWindow(5 * MIN),
    xmlrpc24h: new MaxInWindow(24 * 60 * MIN),
    authors10m: new MaxDistinct(10 * MIN),
    listing10m: new MaxInWindow(10 * MIN),
    siteIps1h: new MaxDistinct(60 * MIN),
    notFound5m: new MaxDistinct(5 * MIN),
    sensitive10m: new MaxInWindow(10 * MIN),
    auth5m: new MaxInWindow(5 * MIN),
  }
  const failedThenOk = new Map<string, number>() // ip → time of the last failed login not yet followed by a success
  const unresolvedFailures: string[] = []
  for (const r of reqs) {
    const failed = r.method === 'POST' && r.path === '/wp-login.php' && r.status === 200
    const xmlrpc = r.method === 'POST' && r.path === '/xmlrpc.php' && !isJetpack(r.ip)
    if (failed) {
      w.login1m.add(r.ip, r.time)
      w.login1h.add(r.ip, r.time)
      w.login24h.add(r.ip, r.time)
      if (r.ip.includes(':')) w.login1hBy64.add(r.ip.split(':').slice(0, 4).join(':'), r.time)
      if (r.label.startsWith('benign:') && !failedThenOk.has(r.ip)) failedThenOk.set(r.ip, r.time)
    }
    if (r.method === 'POST' && r.path === '/wp-login.php' && r.status === 302) failedThenOk.delete(r.ip)
    for (const [ip, at] of failedThenOk) if (at < r.time - 5 * MIN) unresolvedFailures.push(ip)
    if (xmlrpc) {
      w.xmlrpc5m.add(r.ip, r.time)
      w.xmlrpc24h.add(r.ip, r.time)
    }
    if (failed || xmlrpc) w.siteIps1h.add(`${r.site}|${r.label.startsWith('benign:') ? 'benign' : 'all'}`, r.ip, r.time)
    if (failed || xmlrpc) w.siteIps1h.add(`${r.site}|all`, r.ip, r.time)
    const author = /(^|&)author=(\d+)/.exec(r.query)
    if (author) w.authors10m.add(r.ip, author[2] ?? '', r.time)
    if (isUserListing(r)) w.listing10m.add(r.ip, r.time)
    if (r.status === 404) w.notFound5m.add(r.ip, r.path, r.time)
    if (SENSITIVE.test(r.path)) w.sensitive10m.add(r.ip, r.time)
    if (r.status === 401) w.auth5m.add(r.ip, r.time)
  }
  return { ...w, unresolvedFailures }
}

describe('generateTraffic', () => {
  const small: GenerateOptions = { seed: 42, start: START, durationMs: 2 * 3_600_000, sites: 5, linesPerSecond: 3 }
  const text = (o: GenerateOptions) => [...generateTraffic(o)].map((l) => l.line).join('\n')

  it('gives the same bytes for the same seed, and different bytes for another seed', () => {
    const a = text(small)
    expect(a.length).toBeGreaterThan(10_000)
    expect(text(small)).toBe(a)
    expect(text({ ...small, seed: 43 })).not.toBe(a)
  })

  it('yields lines in time order, inside the requested span, with labels', () => {
    let last = Number.NEGATIVE_INFINITY
    let backwards = 0
    const labels = new Set<string>()
    for (const l of generateTraffic(small)) {
      if (l.time < last) backwards++
      last = l.time
      labels.add(l.label)
    }
    expect(backwards).toBe(0)
    for (const label of labels) expect(label).toMatch(/^(benign|attack):[a-z0-9-]+$/)
    expect(last).toBeLessThan(START + small.durationMs)
    expect(labels).toContain('benign:visitor')
    expect(labels).toContain('attack:wp-login-flood')
  })

  it('ends no window on a lone benign failed login (a typo whose successful login the end would cut off)', () => {
    // windows ending at many points of people's login sessions (office hours: the agency's staff log in too)
    let typos = 0
    for (let k = 0; k < 16; k++) {
      const o: GenerateOptions = {
        seed: 7,
        start: Date.UTC(2026, 10, 25, 9, 0, 0) + k * 37_000,
        durationMs: 20 * 60_000,
        sites: 4,
        linesPerSecond: 60,
        campaigns: 'none',
        format: 'vhost_combined',
      }
      const failed = new Map<string, number>() // ip and site → failed logins not yet followed by a successful one
      for (const r of [...generateTraffic(o)].map(toReq)) {
        if (r.method !== 'POST' || r.path !== '/wp-login.php') continue
        const key = `${r.ip} ${r.site}`
        if (r.status === 200) {
          failed.set(key, (failed.get(key) ?? 0) + 1)
          typos++
        } else if (r.status === 302) failed.delete(key)
      }
      expect([...failed.keys()], `window ${k}`).toEqual([])
    }
    expect(typos).toBeGreaterThan(20)
  })

  it('writes Apache combined and vhost_combined lines', () => {
    const first = (o: GenerateOptions) => {
      for (const l of generateTraffic(o)) return l
      throw new Error('no lines')
    }
    const combined = first(small)
    expect(combined.line).toMatch(
      /^\S+ - \S+ \[\d{2}\/Mar\/2024:\d{2}:\d{2}:\d{2} \+0000\] "[A-Z]+ \S+ HTTP\/[\d.]+" \d{3} \d+ "[^"]*" "[^"]*"$/,
    )
    const vhost = first({ ...small, format: 'vhost_combined' })
    expect(vhost.line).toBe(`${vhost.site}:${vhost.line.split(' ')[0]?.split(':').pop()} ${combined.line}`)
  })

  it('emits only benign traffic with campaigns: none, and only the named campaigns otherwise', () => {
    const labels = (o: GenerateOptions) =>
      new Set([...generateTraffic(o)].map((l) => (l.label.split(':')[0] === 'attack' ? l.label : 'benign')))
    expect([...labels({ ...small, campaigns: 'none' })]).toEqual(['benign'])
    expect([...labels({ ...small, campaigns: ['xmlrpc-flood'] })].sort()).toEqual(['attack:xmlrpc-flood', 'benign'])
  })

  it('rejects bad options', () => {
    expect(() => generateTraffic({ ...small, sites: 0 })).toThrow(/sites/)
    expect(() => generateTraffic({ ...small, durationMs: -1 })).toThrow(/durationMs/)
  })
})

describe('a labelled day', () => {
  let reqs: Req[] = []
  let m: ReturnType<typeof measure>
  let truth: Awaited<ReturnType<typeof writeLabelledLogs>>['truth']
  let dir = ''

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookout-gen-'))
    const written = await writeLabelledLogs(dir, { ...dayOpts, format: 'vhost_combined', layout: 'single' })
    truth = written.truth
    reqs = [...generateTraffic({ ...dayOpts, format: 'vhost_combined' })].map(toReq)
    expect(written.lines).toBe(reqs.length)
    m = measure(reqs)
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('answers like WordPress 6.1 does', () => {
    for (const r of reqs) {
      if (r.method === 'POST' && r.path === '/wp-login.php') expect([200, 302]).toContain(r.status)
      if (r.method === 'POST' && r.path === '/xmlrpc.php') expect(r.status).toBe(200)
      if (/(^|&)author=\d/.test(r.query)) expect([200, 301, 404]).toContain(r.status)
      if (r.path === '/wp-cron.php') expect(r.label).toBe('benign:cron')
      if (r.path === '/wp-admin/admin-ajax.php') expect(r.method).toBe('POST')
    }
    // brute-force tools GET the login page before each POST
    const lastGet = new Map<string, number>()
    for (const r of reqs) {
      if (!r.label.startsWith('attack:')) continue
      if (r.method === 'GET' && r.path === '/wp-login.php') lastGet.set(r.ip, r.time)
      if (r.method === 'POST' && r.path === '/wp-login.php')
        expect(r.time - (lastGet.get(r.ip) ?? Number.NEGATIVE_INFINITY)).toBeLessThan(5_000)
    }
    expect(reqs.some((r) => r.path === '/wp-json/wp/v2/users/me')).toBe(true)
    expect(reqs.some((r) => r.ip.includes(':') && r.label === 'benign:visitor')).toBe(true)
    expect(reqs.some((r) => r.ip.startsWith('192.0.') && r.label === 'benign:jetpack')).toBe(true)
  })

  it('lists every campaign once in the ground truth, and no IP is both benign and attacking', () => {
    expect(new Set(truth.campaigns.map((c) => c.name))).toEqual(new Set(CAMPAIGNS))
    expect(truth.campaigns.filter((c) => c.kind === 'ip')).toHaveLength(17)
    const attackers = new Set(truth.campaigns.flatMap((c) => c.ips))
    expect(truth.benignIps.filter((ip) => attackers.has(ip))).toEqual([])
    const labelled = new Set(reqs.filter((r) => r.label.startsWith('attack:')).map((r) => r.ip))
    expect(labelled).toEqual(attackers)
  })

  it('keeps every benign IP clearly under every threshold', () => {
    const benign = new Set(truth.benignIps)
    const over: string[] = []
    const check = (what: string, max: Map<string, number>, limit: number, keys: Iterable<string> = benign) => {
      for (const k of keys) if ((max.get(k) ?? 0) >= limit) over.push(`${what} ${k}: ${max.get(k)}`)
    }
    check('failed logins in 1m', m.login1m.max, 3)
    check('failed logins in 1h', m.login1h.max, 10)
    check('failed logins in 24h', m.login24h.max, 25)
    check('xmlrpc in 5m', m.xmlrpc5m.max, 5)
    check('xmlrpc in 24h', m.xmlrpc24h.max, 20)
    check('distinct ?author= in 10m', m.authors10m.max, 2)
    check('user listings in 10m', m.listing10m.max, 2)
    check('distinct 404 paths in 5m', m.notFound5m.max, 15)
    check('sensitive files in 10m', m.sensitive10m.max, 2)
    check('401s in 5m', m.auth5m.max, 5)
    check(
      'benign IPs failing on one site in 1h',
      m.siteIps1h.max,
      10,
      [...m.siteIps1h.max.keys()].filter((k) => k.endsWith('|benign')),
    )
    expect(over).toEqual([])
    // every benign failed login is followed by a successful one within 5 minutes
    expect(m.unresolvedFailures.filter((ip) => benign.has(ip))).toEqual([])
  })

  it('puts every campaign clearly over its threshold', () => {
    const short: string[] = []
    const need = (name: string, key: string, what: string, max: Map<string, number>, atLeast: number) => {
      if ((max.get(key) ?? 0) < atLeast) short.push(`${name} ${key} ${what}: ${max.get(key) ?? 0} < ${atLeast}`)
    }
    for (const c of truth.campaigns) {
      const ip = c.ips[0] ?? ''
      switch (c.rules[0]) {
        case 'wp-login-bruteforce':
          if (c.kind === 'subnet')
            need(c.name, (c.subnet ?? '').replace('::/64', ''), 'failed logins per /64 in 1h', m.login1hBy64.max, 40)
          else if (c.name === 'low-and-slow') need(c.name, ip, 'failed logins in 24h', m.login24h.max, 80)
          else if (c.name === 'slow-bruteforce') need(c.name, ip, 'failed logins in 1h', m.login1h.max, 40)
          else need(c.name, ip, 'failed logins in 1m', m.login1m.max, 10)
          break
        case 'xmlrpc-abuse':
          if ((m.xmlrpc5m.max.get(ip) ?? 0) < 20) need(c.name, ip, 'xmlrpc in 24h', m.xmlrpc24h.max, 80)
          break
        case 'user-enumeration':
          if ((m.listing10m.max.get(ip) ?? 0) < 3) need(c.name, ip, 'distinct ?author= in 10m', m.authors10m.max, 5)
          break
        case '404-scan':
          need(c.name, ip, 'distinct 404 paths in 5m', m.notFound5m.max, 50)
          break
        case 'sensitive-file-probe':
          need(c.name, ip, 'sensitive files in 10m', m.sensitive10m.max, 6)
          break
        case 'http-auth-bruteforce':
          need(c.name, ip, '401s in 5m', m.auth5m.max, 15)
          break
        case 'distributed-login-attack':
          need(c.name, `${c.site}|all`, 'distinct IPs failing in 1h', m.siteIps1h.max, 100)
          break
        default:
          short.push(`${c.name}: no check for rule ${c.rules[0]}`)
      }
    }
    expect(short).toEqual([])
    // botnet members and /64 addresses each stay under every per-IP threshold: only the group gives them away
    for (const c of truth.campaigns.filter((c) => c.kind !== 'ip')) {
      for (const ip of c.ips) {
        expect(m.login1m.max.get(ip) ?? 0).toBeLessThan(5)
        expect(m.login1h.max.get(ip) ?? 0).toBeLessThan(5)
        expect(m.xmlrpc5m.max.get(ip) ?? 0).toBeLessThan(10)
      }
    }
  })

  it('writes one file per site with the per-site layout', async () => {
    const d = await mkdtemp(join(tmpdir(), 'lookout-gen-'))
    try {
      const o = { ...dayOpts, durationMs: 3_600_000, sites: 3, layout: 'per-site' as const }
      const { files, lines } = await writeLabelledLogs(d, o)
      expect(files).toHaveLength(3)
      let total = 0
      for (const f of files) {
        const body = await readFile(f, 'utf8')
        const ls = body.split('\n').filter(Boolean)
        total += ls.length
        expect(f).toMatch(/\.access\.log$/)
      }
      expect(total).toBe(lines)
    } finally {
      await rm(d, { recursive: true, force: true })
    }
  })
})
