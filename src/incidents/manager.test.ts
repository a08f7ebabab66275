import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfigText } from '../config/load.js'
import { createIpMatcher } from '../core/ip.js'
import type { Alert, LogEvent } from '../core/types.js'
import { compileRules } from '../detectors/config.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/store.js'
import { incidentsConfig, teamConfig } from './config.js'
import { createIncidentManager, type IncidentManager } from './manager.js'
import { createRuleMatcher } from './rule-matcher.js'
import { finding, lineOf, loginEvent, MIN, T0 } from './testdata/events.js'

const stores: Store[] = []
const dirs: string[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const team = teamConfig.parse({ members: [{ name: 'ana', slack: 'U0000ANA' }] })

function manager(opts: { store?: Store; config?: unknown; team?: unknown; withRules?: boolean } = {}): {
  m: IncidentManager
  store: Store
} {
  const store = opts.store ?? openSqliteStore(':memory:')
  if (!opts.store) stores.push(store)
  const m = createIncidentManager({
    store,
    config: incidentsConfig.parse(opts.config),
    team: opts.team === undefined ? team : teamConfig.parse(opts.team),
    ...(opts.withRules
      ? { rules: createRuleMatcher(compileRules(parseConfigText('', 'test.yml')), createIpMatcher(['10.0.0.0/8'])) }
      : {}),
  })
  return { m, store }
}

/** Feeds events one by one, as the pipeline does; returns every alert. */
function feed(m: IncidentManager, events: LogEvent[]): Alert[] {
  return events.flatMap((e) => m.onEvent(e, lineOf(e)))
}

const logins = (ip: string, site: string, from: number, n: number, stepMs = 1000): LogEvent[] =>
  Array.from({ length: n }, (_, i) => loginEvent(ip, site, from + i * stepMs))

/** Opens an ip incident for `ip` with a finding of `count`. */
function open(
  m: IncidentManager,
  ip: string,
  site = 'shop.example.com',
  time = T0,
  count = 5,
  rule = 'wp-login-bruteforce',
) {
  const e = loginEvent(ip, site, time)
  return m.onFinding(finding(rule, 'ip', ip, e, count), lineOf(e))
}

describe('incident lifecycle', () => {
  it('opens one incident with one alert, with the evidence a person needs', () => {
    const { m } = manager()
    const e = loginEvent('203.0.113.7', 'shop.example.com', T0, { user: 'admin' })
    const alerts = m.onFinding(finding('wp-login-bruteforce', 'ip', '203.0.113.7', e, 5), lineOf(e))
    expect(alerts.map((a) => a.id)).toEqual(['1:opened:1'])
    const a = alerts[0] as Alert
    expect(a).toMatchObject({ incidentId: '1', step: 'opened', createdAt: T0 })
    expect(a.incident).toMatchObject({
      id: '1',
      kind: 'ip',
      ip: '203.0.113.7',
      subnet: null,
      ips: ['203.0.113.7'],
      sites: { 'shop.example.com': 5 },
      rules: ['wp-login-bruteforce'],
      attempts: 5,
      firstSeen: T0,
      lastSeen: T0,
      severity: 'medium', // credential guessing is at least medium
      status: 'open',
      step: 'opened',
      samples: [lineOf(e)],
      userAgents: { 'python-requests/2.31': 5 },
      users: ['admin'],
      duty: { name: 'ana', slack: 'U0000ANA', email: null, reason: 'only member' },
    })
    // the same event handed over again as an event is not a second attempt
    expect(m.onEvent(e, lineOf(e))).toEqual([])
    expect(m.open()[0]?.attempts).toBe(5)
    // a second finding of the same rule is no news
    const e2 = loginEvent('203.0.113.7', 'shop.example.com', T0 + 1000)
    expect(m.onFinding(finding('wp-login-bruteforce', 'ip', '203.0.113.7', e2, 20), lineOf(e2))).toEqual([])
    expect(m.open()).toHaveLength(1)
    expect(m.open()[0]?.attempts).toBe(6)
  })

  it('opens with every site of the finding, counted; attempts are the sum of the site counts', () => {
    const { m } = manager()
    const e = loginEvent('203.0.113.66', 'blog.test', T0 + 8000)
    const f = finding('wp-login-bruteforce', 'ip', '203.0.113.66', e, 5, [], { 'blog.test': 3, 'cafe.test': 2 })
    const [a] = m.onFinding(f, lineOf(e))
    expect(a?.incident).toMatchObject({ sites: { 'blog.test': 3, 'cafe.test': 2 }, attempts: 5 })
    // later attempts count one by one, on their own site
    feed(m, [loginEvent('203.0.113.66', 'cafe.test', T0 + 9000), loginEvent('203.0.113.66', 'shop.test', T0 + 9500)])
    expect(m.open()[0]).toMatchObject({ sites: { 'blog.test': 3, 'cafe.test': 3, 'shop.test': 1 }, attempts: 7 })
    // a second IP of the subnet joins with its own sites (a roll-up); a line without a site is "(unknown)"
    const e2 = loginEvent('203.0.113.67', '', T0 + 10_000)
    m.onFinding(finding('wp-login-bruteforce', 'ip', '203.0.113.67', e2, 5, [], { '': 4, 'cafe.test': 1 }), lineOf(e2))
    const inc = m.open()[0]
    expect(inc).toMatchObject({ kind: 'subnet', attempts: 12 })
    expect(inc?.sites).toEqual({ 'cafe.test': 4, '(unknown)': 4, 'blog.test': 3, 'shop.test': 1 })
    expect(Object.values(inc?.sites ?? {}).reduce((x, y) => x + y, 0)).toBe(inc?.attempts)
  })

  it('escalates once each time attempts grow tenfold since the last alert', () => {
    const { m } = manager()
    open(m, '203.0.113.7')
    // 5 → 49: quiet; the 45th event makes 50: one escalation
    expect(feed(m, logins('203.0.113.7', 'shop.example.com', T0 + 1000, 44))).toEqual([])
    const at50 = feed(m, logins('203.0.113.7', 'shop.example.com', T0 + 45_000, 1))
    expect(at50.map((a) => a.id)).toEqual(['1:escalated:1'])
    expect(at50[0]?.incident.attempts).toBe(50)
    // 50 → 499 quiet, 500 escalates again
    const more = feed(m, logins('203.0.113.7', 'shop.example.com', T0 + 46_000, 450, 100))
    expect(more.map((a) => [a.id, a.incident.attempts])).toEqual([['1:escalated:2', 500]])
    expect(more[0]?.incident.severity).toBe('medium')
  })

  it('escalates on a new rule, once', () => {
    const { m } = manager()
    open(m, '203.0.113.7')
    const e = loginEvent('203.0.113.7', 'shop.example.com', T0 + 5000, { method: 'POST', path: '/xmlrpc.php' })
    const a = m.onFinding(finding('xmlrpc-abuse', 'ip', '203.0.113.7', e, 10), lineOf(e))
    expect(a.map((x) => x.id)).toEqual(['1:escalated:1'])
    expect(a[0]?.incident.rules).toEqual(['wp-login-bruteforce', 'xmlrpc-abuse'])
    const e2 = loginEvent('203.0.113.7', 'shop.example.com', T0 + 6000)
    expect(m.onFinding(finding('xmlrpc-abuse', 'ip', '203.0.113.7', e2, 10), lineOf(e2))).toEqual([])
  })

  it('escalates when three more sites are hit', () => {
    const { m } = manager()
    open(m, '203.0.113.7', 'a.example')
    expect(
      feed(m, [loginEvent('203.0.113.7', 'b.example', T0 + 1000), loginEvent('203.0.113.7', 'c.example', T0 + 2000)]),
    ).toEqual([])
    const a = feed(m, [loginEvent('203.0.113.7', 'd.example', T0 + 3000)])
    expect(a.map((x) => x.id)).toEqual(['1:escalated:1'])
    expect(Object.keys(a[0]?.incident.sites ?? {})).toEqual(['a.example', 'b.example', 'c.example', 'd.example'])
    expect(feed(m, logins('203.0.113.7', 'e.example', T0 + 4000, 2))).toEqual([])
  })

  it('resolves after the quiet period, exactly once', () => {
    const { m, store } = manager({ config: { resolve_after: '30m' } })
    open(m, '203.0.113.7')
    feed(m, logins('203.0.113.7', 'shop.example.com', T0 + MIN, 3))
    const last = T0 + MIN + 2000
    expect(m.tick(last + 30 * MIN - 1)).toEqual([])
    const r = m.tick(last + 30 * MIN)
    expect(r.map((a) => [a.id, a.createdAt, a.incident.status, a.incident.step])).toEqual([
      ['1:resolved:1', last + 30 * MIN, 'resolved', 'resolved'],
    ])
    expect(m.tick(last + 60 * MIN)).toEqual([])
    expect(m.open()).toEqual([])
    m.flush() // the pipeline writes incidents with the batch's checkpoint and alerts
    expect(store.incidents.get('1')?.status).toBe('resolved')
    // the attacker's next finding is a new incident
    expect(open(m, '203.0.113.7', 'shop.example.com', last + 61 * MIN).map((a) => a.id)).toEqual(['2:opened:1'])
  })

  it('keeps counting the attempts of incidents still open after others resolve, and of reopened ones', () => {
    const { m } = manager({ config: { resolve_after: '30m' } })
    const ips = Array.from({ length: 50 }, (_, i) => `198.51.${i}.7`)
    // half the attackers stop early and are resolved by a tick; the others go on
    for (const [i, ip] of ips.entries()) open(m, ip, 'shop.example.com', T0 + (i % 2) * 20 * MIN)
    expect(m.tick(T0 + 31 * MIN).length).toBe(25)
    const attemptsOf = (ip: string) => m.open().find((inc) => inc.ip === ip)?.attempts
    for (const [i, ip] of ips.entries()) {
      feed(m, [loginEvent(ip, 'shop.example.com', T0 + 32 * MIN)])
      expect(attemptsOf(ip), ip).toBe(i % 2 === 1 ? 5 + 1 : undefined) // the finding's 5, then the event
    }
    // an attacker that comes back opens a new incident whose events count again
    open(m, ips[0] as string, 'shop.example.com', T0 + 33 * MIN)
    feed(m, [loginEvent(ips[0] as string, 'shop.example.com', T0 + 34 * MIN)])
    expect(attemptsOf(ips[0] as string)).toBe(5 + 1)
  })

  it('resolves a stale incident before a late event could stretch it, even without a tick', () => {
    const { m } = manager()
    open(m, '203.0.113.7')
    const a = feed(m, [loginEvent('203.0.113.7', 'shop.example.com', T0 + 31 * MIN)])
    expect(a.map((x) => x.id)).toEqual(['1:resolved:1'])
    expect(a[0]?.incident.lastSeen).toBe(T0)
    expect(m.open()).toEqual([])
  })

  it('continues after a restart from a real SQLite file, without repeating an alert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-incidents-'))
    dirs.push(dir)
    const file = join(dir, 'state.db')
    const ids: string[] = []
    // as the pipeline does: the incidents and their alerts are written in one transaction
    const enqueue = (s: Store, alerts: Alert[]) => {
      s.transaction(() => {
        m.flush()
        for (const a of alerts) s.outbox.enqueue(a, ['console'], a.createdAt)
      })
      ids.push(...alerts.map((a) => a.id))
    }

    let s = openSqliteStore(file)
    let { m } = manager({ store: s })
    enqueue(s, open(m, '203.0.113.7'))
    enqueue(s, feed(m, logins('203.0.113.7', 'shop.example.com', T0 + 1000, 50)))
    enqueue(s, m.tick(T0 + 2 * MIN))
    s.close()

    s = openSqliteStore(file)
    stores.push(s)
    ;({ m } = manager({ store: s }))
    expect(m.open().map((i) => [i.id, i.attempts, i.step])).toEqual([['1', 55, 'escalated']])
    // the next escalation is the second one, at 550, and the finding of a known rule is no news
    const e = loginEvent('203.0.113.7', 'shop.example.com', T0 + 3 * MIN)
    enqueue(s, m.onFinding(finding('wp-login-bruteforce', 'ip', '203.0.113.7', e, 5), lineOf(e)))
    enqueue(s, feed(m, logins('203.0.113.7', 'shop.example.com', T0 + 3 * MIN + 1, 494, 10)))
    enqueue(s, m.tick(T0 + 60 * MIN))
    // a new incident gets a fresh id
    enqueue(s, open(m, '198.51.100.1', 'blog.example', T0 + 61 * MIN))
    expect(ids).toEqual(['1:opened:1', '1:escalated:1', '1:escalated:2', '1:resolved:1', '2:opened:1'])
    expect(s.outbox.list().map((r) => r.alertId)).toEqual(ids)
    expect(s.incidents.counts()).toEqual({ open: 1, total: 2 })
  })
})

describe('subnets', () => {
  it('rolls a second attacking IP of the same /24 up into one subnet incident', () => {
    const { m } = manager()
    open(m, '198.51.100.7', 'a.example')
    const a = open(m, '198.51.100.9', 'b.example', T0 + 1000)
    expect(a.map((x) => x.id)).toEqual(['1:escalated:1'])
    expect(a[0]?.incident).toMatchObject({
      id: '1',
      kind: 'subnet',
      ip: null,
      subnet: '198.51.100.0/24',
      ips: ['198.51.100.7', '198.51.100.9'],
    })
    // a third address of the subnet is counted in it without a new incident
    expect(feed(m, [loginEvent('198.51.100.200', 'b.example', T0 + 2000)])).toEqual([])
    expect(open(m, '198.51.100.201', 'b.example', T0 + 3000)).toEqual([])
    // another /24 is another attacker
    expect(open(m, '198.51.101.7', 'a.example', T0 + 4000).map((x) => x.id)).toEqual(['2:opened:1'])
    const incs = m.open()
    expect(incs.map((i) => [i.id, i.kind, i.ips.length, i.attempts])).toEqual([
      ['1', 'subnet', 4, 16], // 5 + 5 (the second IP's window) + 1 + 5
      ['2', 'ip', 1, 5],
    ])
  })

  it('opens an IPv6 subnet incident from a /64 finding and follows the attacker rotating inside it', () => {
    const { m } = manager()
    const e = loginEvent('2001:db8:1:2::a', 'shop.example.com', T0)
    const ips = ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2::c']
    const a = m.onFinding(finding('wp-login-bruteforce', 'subnet', '2001:db8:1:2::/64', e, 9, ips), lineOf(e))
    expect(a.map((x) => [x.id, x.incident.kind, x.incident.subnet, x.incident.ips])).toEqual([
      ['1:opened:1', 'subnet', '2001:db8:1:2::/64', ips],
    ])
    feed(m, [
      loginEvent('2001:db8:1:2:ffff::1', 'shop.example.com', T0 + 1000),
      loginEvent('2001:db8:1:3::1', 'shop.example.com', T0 + 1000),
    ])
    const [inc] = m.open()
    expect(inc?.ips).toEqual([...ips, '2001:db8:1:2:ffff::1'])
    expect(inc?.attempts).toBe(10)
    expect(inc?.severity).toBe('medium')
  })
})

describe('watchesIp and watchesIpv4', () => {
  const v4 = (ip: string) => ip.split('.').reduce((v, o) => v * 256 + Number(o), 0)
  const probes = [
    '198.51.100.7',
    '198.51.100.8',
    '198.51.101.7',
    '203.0.113.5',
    '0.0.0.0',
    '255.255.255.255',
    '10.0.0.1',
  ]

  it('say the same as onEvent does, before and after incidents open, roll up and resolve', () => {
    const { m } = manager({ withRules: true })
    const check = () => {
      for (const ip of probes) {
        expect(m.watchesIpv4(v4(ip)), ip).toBe(m.watchesIp(ip))
        // onEvent does something exactly when watched: an event no rule can match (a page view) counts
        const before = JSON.stringify(m.open())
        const e = { ...loginEvent(ip, 'shop.example.com', T0 + 2 * MIN), method: 'GET', path: '/', status: 200 }
        m.onEvent(e, lineOf(e))
        expect(JSON.stringify(m.open()) !== before, ip).toBe(m.watchesIp(ip))
      }
    }
    check()
    open(m, '198.51.100.7', 'a.example')
    expect(m.watchesIpv4(v4('198.51.100.7'))).toBe(true)
    expect(m.watchesIpv4(v4('198.51.100.8'))).toBe(false)
    check()
    open(m, '198.51.100.9', 'b.example', T0 + 1000) // the /24 rolls up: every address in it is watched
    expect(m.watchesIpv4(v4('198.51.100.8'))).toBe(true)
    expect(m.watchesIpv4(v4('198.51.101.7'))).toBe(false)
    check()
    m.tick(T0 + 24 * 60 * MIN)
    expect(m.watchesIpv4(v4('198.51.100.7'))).toBe(false)
    check()
  })
})

describe('when an attack started', () => {
  it('is the first event the crossing key counted, not the event that crossed', () => {
    const { m } = manager()
    const e = loginEvent('203.0.113.7', 'shop.example.com', T0)
    const a = m.onFinding(
      { ...finding('wp-login-bruteforce', 'ip', '203.0.113.7', e, 20), since: T0 - 40 * MIN },
      lineOf(e),
    )
    expect(a[0]?.incident.firstSeen).toBe(T0 - 40 * MIN)
    expect(a[0]?.incident.lastSeen).toBe(T0)
  })
})

describe('site incidents (distributed attacks)', () => {
  it('names an attack on lines that carry no site "(unknown)", and does not count every site-less line into it', () => {
    const { m } = manager()
    const ips = Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`)
    const e = loginEvent('192.0.2.20', '', T0)
    const a = m.onFinding(finding('distributed-login-attack', 'site', '', e, 20, ips), lineOf(e))
    expect(a[0]?.incident.sites).toEqual({ '(unknown)': 20 })
    feed(m, [loginEvent('198.51.100.1', '', T0 + 1000)]) // could be any site: not this incident's
    expect(m.open()[0]?.attempts).toBe(20)
  })

  it('opens one incident for the site, listing the IPs, counting only their requests to that site', () => {
    const { m } = manager()
    const ips = Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`).concat(['203.0.113.50'])
    const e = loginEvent('203.0.113.50', 'shop.example.com', T0)
    const a = m.onFinding(finding('distributed-login-attack', 'site', 'shop.example.com', e, 21, ips), lineOf(e))
    expect(a.map((x) => [x.id, x.incident.kind, x.incident.ip, x.incident.ips.length, x.incident.sites])).toEqual([
      ['1:opened:1', 'site', null, 21, { 'shop.example.com': 21 }],
    ])
    feed(m, [
      loginEvent('192.0.2.1', 'shop.example.com', T0 + 1000), // counted
      loginEvent('192.0.2.1', 'other.example', T0 + 1000), // another site: not this incident
      loginEvent('198.51.100.1', 'shop.example.com', T0 + 1000), // not listed
    ])
    expect(m.open()[0]?.attempts).toBe(22)
    // a later finding of the same rule adds its IPs without an alert
    const e2 = loginEvent('192.0.2.99', 'shop.example.com', T0 + 2000)
    expect(
      m.onFinding(finding('distributed-login-attack', 'site', 'shop.example.com', e2, 22, ['192.0.2.99']), lineOf(e2)),
    ).toEqual([])
    expect(m.open()[0]?.ips).toContain('192.0.2.99')
    // another site under attack is another incident; the IP-level incident of a listed IP is its own as well
    expect(open(m, '192.0.2.1', 'shop.example.com', T0 + 3000).map((x) => [x.id, x.incident.kind])).toEqual([
      ['2:opened:1', 'ip'],
    ])
    expect(m.tick(T0 + 3000 + 30 * MIN).map((x) => x.id)).toEqual(['1:resolved:1', '2:resolved:1'])
  })
})

describe('site incidents with the rules at hand', () => {
  it('adds IPs that join the attack later, drops IPs that log in, counts only attempts', () => {
    const { m } = manager({ withRules: true })
    const ips = Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`)
    const e = loginEvent('192.0.2.20', 'shop.example.com', T0)
    m.onFinding(finding('distributed-login-attack', 'site', 'shop.example.com', e, 20, ips), lineOf(e))
    feed(m, [
      loginEvent('198.51.100.1', 'shop.example.com', T0 + 1000), // a new bot: joins
      loginEvent('198.51.100.2', 'shop.example.com', T0 + 1000, { method: 'GET', status: 200 }), // only reads the page
      loginEvent('198.51.100.3', 'other.example', T0 + 1000), // another site
      loginEvent('10.0.0.5', 'shop.example.com', T0 + 1000), // allowed
      loginEvent('192.0.2.7', 'shop.example.com', T0 + 2000, { status: 302 }), // a user logging in: not an attacker
    ])
    const [inc] = m.open()
    expect(inc?.ips).toContain('198.51.100.1')
    expect(inc?.ips).not.toContain('192.0.2.7')
    expect(inc?.ips.filter((ip) => !ip.startsWith('192.0.2.'))).toEqual(['198.51.100.1'])
    expect(inc?.attempts).toBe(21)
  })
})

describe('site incidents of lines that name no site', () => {
  it('takes IPs from the findings only, and drops one that logs in after it was listed', () => {
    const { m } = manager({ withRules: true })
    const ips = Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 1}`)
    // a user's typo counted by the engine just before the attack crossed its threshold: listed with the bots
    const e = loginEvent('192.0.2.20', '', T0)
    m.onFinding(finding('distributed-login-attack', 'site', '', e, 20, ips), lineOf(e))
    expect(m.open()[0]?.sites).toEqual({ '(unknown)': 20 })
    feed(m, [
      loginEvent('198.51.100.1', '', T0 + 1000), // a failed login from an IP not listed: joins through findings only
      loginEvent('192.0.2.7', '', T0 + 2000, { status: 302 }), // the user logs in: not an attacker
    ])
    const [inc] = m.open()
    expect(inc?.ips).not.toContain('192.0.2.7')
    expect(inc?.ips).not.toContain('198.51.100.1')
    expect(inc?.ips).toHaveLength(19)
  })
})

describe('evidence and duty', () => {
  it('keeps a few truncated samples, top user agents and usernames', () => {
    const { m } = manager({ config: { samples: 2, sample_max_chars: 40 } })
    open(m, '203.0.113.7')
    feed(m, [
      loginEvent('203.0.113.7', 'shop.example.com', T0 + 1, { user: 'bob', userAgent: 'curl/8' }),
      loginEvent('203.0.113.7', 'shop.example.com', T0 + 2, { user: '-', userAgent: 'curl/8' }),
    ])
    const [inc] = m.open()
    expect(inc?.samples).toHaveLength(2)
    expect(inc?.samples.every((s) => s.length <= 40)).toBe(true)
    expect(inc?.samples[1]?.endsWith('…')).toBe(true)
    expect(inc?.userAgents).toEqual({ 'python-requests/2.31': 5, 'curl/8': 2 })
    expect(inc?.users).toEqual(['bob'])
  })

  it('names the owner of the most-hit site, recomputed at each step', () => {
    const { m } = manager({
      team: {
        members: [
          { name: 'ana', slack: 'U0000ANA' },
          { name: 'ben', slack: 'U0000BEN' },
        ],
        rota: { every: 'week', starts: '2025-06-02', order: ['ana', 'ben'] },
        owners: [{ sites: '*.client-a.com', member: 'ben' }],
      },
    })
    expect(open(m, '203.0.113.7', 'blog.example')[0]?.incident.duty).toMatchObject({ name: 'ana', reason: 'rota' })
    const a = feed(m, logins('203.0.113.7', 'www.client-a.com', T0 + 1000, 45))
    expect(a.map((x) => [x.id, x.incident.duty?.name, x.incident.duty?.reason])).toEqual([
      ['1:escalated:1', 'ben', 'owner'],
    ])
  })
})
