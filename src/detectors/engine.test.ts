import { describe, expect, it } from 'vitest'
import { createIpMatcher } from '../core/ip.js'
import { compileRules, detectionConfig } from './config.js'
import { createEngine, INLINE_TIMES } from './engine.js'
import { engineFor, event, failedLogin, HOUR, MIN, run, SEC, series, summary, T0 } from './testdata/event.js'
import { CountWindow } from './windows.js'

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

  it('says since when the crossing key has been counting (the attack started then)', () => {
    const engine = withRules([{ name: 'r', filter: { path: '/x' }, thresholds: [{ count: 3, within: '1h' }] }])
    const fs = run(
      engine,
      [0, 25, 50].map((m) => event({ path: '/x', at: m * MIN })),
    )
    expect(fs.map((f) => [f.time, f.since])).toEqual([[T0 + 50 * MIN, T0]])
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

  it('a finding names every site of its key with counts, not only the site of the crossing event', () => {
    const sites = ['blog.test', 'cafe.test', 'blog.test', 'cafe.test', 'blog.test']
    const fs = run(
      engineFor(),
      sites.map((site, i) => failedLogin('203.0.113.66', i * SEC, site)),
    )
    const f = fs.find((x) => x.rule === 'wp-login-bruteforce')
    expect(f).toMatchObject({ count: 5, sites: { 'blog.test': 3, 'cafe.test': 2 } })
    // the site key of distributed-login-attack counts its own site only
    const site = withRules([
      { name: 's', filter: { path: '/x' }, key: 'site', thresholds: [{ count: 2, within: '1m' }] },
    ])
    const sf = run(site, [event({ path: '/x', site: 'a' }), event({ path: '/x', site: 'a', at: SEC })])
    expect(sf.map((x) => x.sites)).toEqual([{ a: 2 }])
  })

  it('a key quiet for its longest window starts over, sites included', () => {
    const engine = withRules([{ name: 'r', filter: { path: '/x' }, thresholds: [{ count: 2, within: '1m' }] }])
    expect(run(engine, [event({ path: '/x', site: 'a' })])).toEqual([])
    const fs = run(engine, [event({ path: '/x', site: 'b', at: MIN }), event({ path: '/x', site: 'b', at: MIN + SEC })])
    expect(fs.map((f) => [f.count, f.sites])).toEqual([[2, { b: 2 }]])
  })

  it('counts exactly as bucketed windows do, before and after a key outgrows its inline times', () => {
    const rule = {
      name: 'r',
      filter: { path: '/x' },
      thresholds: [
        { count: 4, within: '10s' },
        { count: 6, within: '1m' },
        { count: 12, within: '1h' },
      ],
    }
    const ths = compileRules(detectionConfig.parse({ packs: { wordpress: false, web: false }, rules: [rule] }))[0]
      ?.thresholds
    if (!ths) throw new Error('no rule')
    let seed = 7
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    let fired = 0
    // inline: the oldest bucket of a 1m window still counts (at 60.2 s, 1.5 s is in bucket 1 of 1..60), 0.999 s not
    const one = (times: number[]) =>
      run(
        withRules([{ name: 'one', filter: { path: '/x' }, thresholds: [{ count: 3, within: '1m' }] }]),
        times.map((at) => event({ path: '/x', at })),
      )
    expect(summary(one([1500, 30_000, 60_200]))).toEqual(['one ip:203.0.113.7 3'])
    expect(one([999, 30_000, 60_200])).toEqual([])
    const rounds: number[][] = []
    for (let round = 0; round < 60; round++) {
      // bursts, gaps near a window's length, pauses, quiet hours (a fresh start); more events than inline times hold
      let at = Math.floor(rand() * 5000)
      const times: number[] = []
      for (let i = 0; i < 60; i++) {
        const r = rand()
        at +=
          r < 0.05
            ? HOUR + Math.floor(rand() * MIN)
            : r < 0.15
              ? Math.floor(rand() * 5 * MIN)
              : r < 0.4
                ? 55 * SEC + Math.floor(rand() * 6 * SEC)
                : Math.floor(rand() * 12 * SEC)
        times.push(at)
      }
      rounds.push(times)
    }
    for (const times of rounds) {
      expect(times.length).toBeGreaterThan(INLINE_TIMES)
      // the reference: one CountWindow per threshold from the first event, firing as engine.ts documents
      const expected: string[] = []
      let wins = ths.map(() => ({ w: new CountWindow(), fired: 0 }))
      let last = Number.NEGATIVE_INFINITY
      for (const t of times) {
        if (t - last >= HOUR) wins = ths.map(() => ({ w: new CountWindow(), fired: 0 }))
        last = t
        ths.forEach((th, k) => {
          const s = wins[k] as { w: CountWindow; fired: number }
          if (T0 + t - s.w.last >= th.within) s.fired = 0
          s.w.last = T0 + t
          const n = s.w.add(T0 + t, th.bucketMs, th.buckets)
          let level = s.fired === 0 ? th.count : s.fired * 10
          if (n < level) return
          while (n >= level * 10) level *= 10
          s.fired = level
          expected.push(`${t} ${th.label} ${n}`)
        })
      }
      const engine = withRules([rule])
      const got = times.flatMap((t) =>
        engine.observe(event({ path: '/x', at: t })).map((f) => `${t} ${f.threshold} ${f.count}`),
      )
      expect(got).toEqual(expected)
      fired += got.length
    }
    expect(fired).toBeGreaterThan(100)
  })
})
