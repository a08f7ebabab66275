import { describe, expect, it } from 'vitest'
import { createIpMatcher } from '../core/ip.js'
import { compileRules, detectionConfig } from './config.js'
import { createEngine } from './engine.js'
import { engineFor, event, failedLogin, HOUR, MIN, run, SEC, series, summary } from './testdata/event.js'

/** an engine with only the given user rules (packs off) */
const withRules = (rules: unknown[], maxTrackedKeys = 1000) =>
  createEngine(compileRules(detectionConfig.parse({ packs: { wordpress: false, web: false }, rules })), {
    maxTrackedKeys,
    allow: createIpMatcher([]),
  })

const ssh = {
  name: 'ssh-users',
  filter: { service: 'sshd', outcome: 'failure' },
  thresholds: [{ distinct: 'user', count: 3, within: '5m' }],
}

describe('engine', () => {
  it('bounds memory by max_tracked_keys, evicting the least recently seen, and counts evictions', () => {
    const engine = engineFor({}, { maxTrackedKeys: 100 })
    // 150 IPs, one failed login each: 150 IP keys + 1 site key (distributed-login-attack)
    run(
      engine,
      series(150, SEC, (i, at) => failedLogin(`198.51.${i >> 8}.${i & 255}`, at)),
    )
    expect(engine.stats()).toEqual({ keys: 100, evicted: 51 })
  })

  it('an evicted key starts over; a recently seen key survives', () => {
    const engine = withRules([{ name: 'r', filter: { path: '/x' }, thresholds: [{ count: 3, within: '1h' }] }], 3)
    const hit = (ip: string, at: number) => engine.observe(event({ ip, at, path: '/x' }))
    hit('192.0.2.1', 0)
    hit('192.0.2.1', SEC)
    hit('192.0.2.2', 2 * SEC)
    hit('192.0.2.3', 3 * SEC)
    hit('192.0.2.2', 4 * SEC) // .1 is now the least recently seen
    hit('192.0.2.4', 5 * SEC) // evicts .1
    expect(engine.stats()).toEqual({ keys: 3, evicted: 1 })
    expect(hit('192.0.2.1', 6 * SEC)).toEqual([]) // .1 starts over at 1 (evicting .3)
    expect(summary(hit('192.0.2.2', 7 * SEC))).toEqual(['r ip:192.0.2.2 3'])
  })

  it('sweeps keys that have been quiet for their longest window, in one pass', () => {
    const engine = engineFor()
    run(engine, [failedLogin('192.0.2.1', 0), event({ ip: '192.0.2.2', at: 0, path: '/a', status: 401 })])
    expect(engine.stats().keys).toBe(3) // wp-login ip, distributed site, http-auth ip
    engine.sweep(event({ at: 5 * MIN }).time) // http-auth (5m) is quiet
    expect(engine.stats().keys).toBe(2)
    engine.sweep(event({ at: HOUR }).time) // distributed (1h) is quiet
    expect(engine.stats().keys).toBe(1)
    engine.sweep(event({ at: 24 * HOUR - 1 }).time)
    expect(engine.stats().keys).toBe(1)
    engine.sweep(event({ at: 24 * HOUR }).time)
    expect(engine.stats()).toEqual({ keys: 0, evicted: 0 })
  })

  it('groups by ip+site, site and subnet', () => {
    const rules = [
      { name: 'per-ip-site', filter: { path: '/x' }, key: 'ip+site', thresholds: [{ count: 2, within: '1m' }] },
      { name: 'per-site', filter: { path: '/x' }, key: 'site', thresholds: [{ count: 3, within: '1m' }] },
      { name: 'per-subnet', filter: { path: '/x' }, key: 'subnet', thresholds: [{ count: 4, within: '1m' }] },
    ]
    const fs = run(withRules(rules), [
      event({ ip: '192.0.2.1', site: 'a', path: '/x' }),
      event({ ip: '192.0.2.1', site: 'b', path: '/x' }),
      event({ ip: '192.0.2.2', site: 'a', path: '/x' }),
      event({ ip: '192.0.2.1', site: 'a', path: '/x' }),
    ])
    expect(summary(fs)).toEqual([
      'per-ip-site ip+site:192.0.2.1|a 2',
      'per-site site:a 3',
      'per-subnet subnet:192.0.2.0/24 4',
    ])
    expect(fs.find((f) => f.keyKind === 'subnet')?.ips.sort()).toEqual(['192.0.2.1', '192.0.2.2'])
  })

  it('counts distinct users of sshd failures', () => {
    const fail = (user: string, at: number) =>
      event({ service: 'sshd', method: '', path: '', status: 0, outcome: 'failure', user, at })
    const fs = run(withRules([ssh]), [
      fail('root', 0),
      fail('root', SEC),
      fail('admin', 2 * SEC),
      fail('oracle', 3 * SEC),
    ])
    expect(summary(fs)).toEqual(['ssh-users ip:203.0.113.7 3'])
  })

  it('counts a slightly late line as if it came with the latest one', () => {
    const engine = withRules([{ name: 'r', filter: { path: '/x' }, thresholds: [{ count: 3, within: '1m' }] }])
    const fs = run(
      engine,
      [10, 50, 20].map((s) => event({ path: '/x', at: s * SEC })),
    )
    expect(summary(fs)).toEqual(['r ip:203.0.113.7 3'])
  })

  it('an event matching no rule costs no state', () => {
    const engine = engineFor()
    run(
      engine,
      series(1000, SEC, (i, at) => event({ ip: `192.0.2.${i & 255}`, at, path: `/page/${i}` })),
    )
    expect(engine.stats()).toEqual({ keys: 0, evicted: 0 })
  })

  it('returns no findings for an allowed IP, before counting anything', () => {
    const engine = createEngine(compileRules(detectionConfig.parse({})), {
      maxTrackedKeys: 10,
      allow: createIpMatcher(['203.0.113.0/24', '2001:db8::/32']),
    })
    run(
      engine,
      series(100, SEC, (i, at) => failedLogin(i % 2 ? '203.0.113.9' : '2001:db8::9', at)),
    )
    expect(engine.stats().keys).toBe(0)
    const loud = createEngine(compileRules(detectionConfig.parse({})), {
      maxTrackedKeys: 10,
      allow: createIpMatcher([]),
      allowLoopback: false,
    })
    expect(
      run(
        loud,
        series(5, SEC, (_, at) => failedLogin('127.0.0.1', at)),
      ),
    ).toHaveLength(1)
  })
})
