import { describe, expect, it } from 'vitest'
import type { Finding } from '../../core/types.js'
import {
  engineFor,
  event,
  failedLogin,
  HOUR,
  MIN,
  merge,
  run,
  SEC,
  series,
  successfulLogin,
  summary,
  xmlrpc,
} from '../testdata/event.js'

const ATTACKER = '198.51.100.23'
const of = (rule: string, fs: readonly Finding[]) => fs.filter((f) => f.rule === rule)

describe('wp-login-bruteforce', () => {
  it('fires at 5 failed logins within a minute, once', () => {
    const fs = run(
      engineFor(),
      series(6, 10 * SEC, (_, at) => failedLogin(ATTACKER, at)),
    )
    expect(summary(fs)).toEqual([`wp-login-bruteforce ip:${ATTACKER} 5`])
    expect(fs[0]).toMatchObject({ threshold: '5 in 1m', time: fs[0]?.event.time, ips: [ATTACKER] })
    expect(fs[0]?.event.time).toBe(failedLogin(ATTACKER, 40 * SEC).time)
  })

  it('window edge: an event exactly one window later no longer counts the first', () => {
    const at = (times: number[]) =>
      run(
        engineFor(),
        times.map((t) => failedLogin(ATTACKER, t)),
      )
    expect(at([0, 15, 30, 45, 60].map((s) => s * SEC))).toEqual([])
    expect(summary(at([0, 15, 30, 45, 59.999].map((s) => s * SEC)))).toHaveLength(1)
  })

  it('counts per IP across sites', () => {
    const sites = ['a.example', 'b.example', 'c.example', 'd.example', 'e.example']
    const fs = run(
      engineFor(),
      sites.map((site, i) => failedLogin(ATTACKER, i * SEC, site)),
    )
    expect(summary(fs)).toEqual([`wp-login-bruteforce ip:${ATTACKER} 5`])
  })

  it('catches a slow attacker (one try every 3 minutes) with the 1h and 24h tiers', () => {
    const fs = run(
      engineFor(),
      series(45, 3 * MIN, (_, at) => failedLogin(ATTACKER, at)),
    )
    expect(fs.map((f) => [f.threshold, f.count, (f.time - failedLogin(ATTACKER, 0).time) / MIN])).toEqual([
      ['20 in 1h', 20, 57],
      ['40 in 24h', 40, 117],
    ])
  })

  it('catches low-and-slow (one try every 7 minutes all day) with the 24h tier', () => {
    const fs = run(
      engineFor(),
      series(200, 7 * MIN, (_, at) => failedLogin(ATTACKER, at)),
    )
    expect(fs.map((f) => `${f.threshold} ${f.count}`)).toEqual(['40 in 24h 40'])
  })

  it('reports higher tiers and every 10x growth, but does not spam', () => {
    const fs = run(
      engineFor(),
      series(600, SEC, (_, at) => failedLogin(ATTACKER, at)),
    )
    expect(fs.map((f) => `${f.threshold}: ${f.count}`)).toEqual([
      '5 in 1m: 5',
      '20 in 1h: 20',
      '40 in 24h: 40',
      '5 in 1m: 50',
      '20 in 1h: 200',
      '40 in 24h: 400',
    ])
  })

  it('fires again only after its window has been quiet', () => {
    const engine = engineFor({
      packs: { wordpress: { 'wp-login-bruteforce': { thresholds: [{ count: 5, within: '1m' }] } } },
    })
    // one try every 10 s for 10 minutes: the 1m window always holds ≥ 5, one finding
    const steady = run(
      engine,
      series(60, 10 * SEC, (_, at) => failedLogin(ATTACKER, at)),
    )
    expect(summary(steady)).toHaveLength(1)
    // a minute of silence, then a new burst: a new finding
    const again = run(
      engine,
      series(5, SEC, (_, at) => failedLogin(ATTACKER, at), 11 * MIN),
    )
    expect(summary(again)).toEqual([`wp-login-bruteforce ip:${ATTACKER} 5`])
  })

  it('never counts successful logins, the login page, or an admin who mistypes twice', () => {
    const admin = '203.0.113.50'
    const fs = run(
      engineFor(),
      merge(
        series(200, 30 * SEC, (_, at) => successfulLogin('192.0.2.80', at)), // an office NAT logging in all day
        series(100, 30 * SEC, (_, at) => event({ ip: ATTACKER, at, path: '/wp-login.php' })), // GETs only
        [failedLogin(admin, 0), failedLogin(admin, 20 * SEC), successfulLogin(admin, 40 * SEC)],
      ),
    )
    expect(fs).toEqual([])
  })

  it('matches the request path, never the Referer or User-Agent', () => {
    const fs = run(
      engineFor(),
      series(50, SEC, (_, at) =>
        event({
          ip: ATTACKER,
          at,
          method: 'POST',
          path: '/contact/',
          referer: 'https://shop.example/wp-login.php',
          userAgent: 'POST /wp-login.php /xmlrpc.php /.env',
        }),
      ),
    )
    expect(fs).toEqual([])
  })

  it('sees through path tricks: //wp-login.php, /wp%2Dlogin.php', () => {
    const tricky = ['//wp-login.php', '/wp%2Dlogin.php', '/x/../wp-login.php', '/./wp-login.php', '/wp-login.php']
    const fs = run(
      engineFor(),
      tricky.map((path, i) => event({ ip: ATTACKER, at: i * SEC, method: 'POST', path })),
    )
    expect(summary(fs)).toEqual([`wp-login-bruteforce ip:${ATTACKER} 5`])
  })

  it('never alerts on allowed IPs or on the server itself', () => {
    const engine = engineFor({}, { allow: ['198.51.100.0/24'] })
    const fs = run(
      engine,
      merge(
        series(50, SEC, (_, at) => failedLogin(ATTACKER, at)),
        series(50, SEC, (_, at) => failedLogin('127.0.0.1', at)),
        series(50, SEC, (_, at) => failedLogin('::1', at)),
        series(50, SEC, (_, at) => event({ ip: '127.0.0.1', at, method: 'POST', path: '/wp-cron.php' })),
      ),
    )
    expect(fs).toEqual([])
    expect(engine.stats().keys).toBe(0)
  })
})

describe('xmlrpc-abuse', () => {
  it('fires at 10 POSTs in 5 minutes; 9 are not enough', () => {
    expect(
      run(
        engineFor(),
        series(9, 20 * SEC, (_, at) => xmlrpc(ATTACKER, at)),
      ),
    ).toEqual([])
    const fs = run(
      engineFor(),
      series(10, 20 * SEC, (_, at) => xmlrpc(ATTACKER, at)),
    )
    expect(summary(fs)).toEqual([`xmlrpc-abuse ip:${ATTACKER} 10`])
  })

  it('catches a slow one with the 24h tier', () => {
    const fs = run(
      engineFor(),
      series(41, 20 * MIN, (_, at) => xmlrpc(ATTACKER, at)),
    )
    expect(fs.map((f) => `${f.rule} ${f.threshold}`)).toEqual(['xmlrpc-abuse 40 in 24h'])
  })

  it('allows Jetpack by default, configurably', () => {
    const jetpack = merge(
      ...['192.0.80.10', '192.0.81.7', '122.248.245.244'].map((ip) => series(100, 5 * SEC, (_, at) => xmlrpc(ip, at))),
      ...Array.from({ length: 25 }, (_, i) => [xmlrpc(`192.0.${64 + i}.9`, i * SEC)]),
    )
    expect(run(engineFor(), jetpack)).toEqual([])
    const off = run(engineFor({ packs: { wordpress: { jetpack_allow: false } } }), jetpack)
    expect(new Set(off.map((f) => f.rule))).toEqual(new Set(['xmlrpc-abuse', 'distributed-login-attack']))
  })
})

describe('user-enumeration', () => {
  const get = (path: string, at: number, ip = ATTACKER) => event({ ip, at, path, status: 301 })

  it('fires at 3 distinct ?author= values within 10 minutes', () => {
    const fs = run(
      engineFor(),
      [1, 2, 3].map((n) => get(`/?author=${n}`, n * MIN)),
    )
    expect(summary(fs)).toEqual([`user-enumeration ip:${ATTACKER} 3`])
    expect(fs[0]?.threshold).toBe('3 distinct query:author in 10m')
  })

  it('window edge for distinct values', () => {
    expect(
      run(
        engineFor(),
        [0, 5, 10].map((m, i) => get(`/?author=${i + 1}`, m * MIN)),
      ),
    ).toEqual([])
    expect(
      summary(
        run(
          engineFor(),
          [0, 5, 9.99].map((m, i) => get(`/?author=${i + 1}`, m * MIN)),
        ),
      ),
    ).toHaveLength(1)
  })

  it('fires at 3 user listings via the REST API, pretty or plain', () => {
    const pretty = run(
      engineFor(),
      series(3, MIN, (_, at) => get('/wp-json/wp/v2/users', at)),
    )
    expect(summary(pretty)).toEqual([`user-enumeration ip:${ATTACKER} 3`])
    const plain = ['/?rest_route=/wp/v2/users', '/index.php?rest_route=%2Fwp%2Fv2%2Fusers', '/wp-json/wp/v2/users/1']
    expect(
      summary(
        run(
          engineFor(),
          plain.map((p, i) => get(p, i * MIN)),
        ),
      ),
    ).toHaveLength(1)
  })

  it('is not fooled by the block editor, admins, or a reader of one author page', () => {
    const editor = '203.0.113.50'
    const fs = run(
      engineFor(),
      merge(
        series(50, 10 * SEC, (_, at) =>
          event({ ip: editor, at, path: '/wp-json/wp/v2/users/me', query: 'context=edit&_locale=user' }),
        ),
        series(20, 30 * SEC, (_, at) =>
          event({ ip: editor, at, path: '/wp-json/wp/v2/users', query: 'who=authors&per_page=100&_locale=user' }),
        ),
        series(10, 30 * SEC, (_, at) =>
          event({ ip: editor, at, path: '/index.php', query: 'rest_route=/wp/v2/users/me' }),
        ),
        series(10, 30 * SEC, (i, at) => event({ ip: editor, at, path: '/wp-admin/edit.php', query: `author=${i}` })),
        series(10, 30 * SEC, (i, at) => event({ ip: '192.0.2.9', at, path: '/', query: `author=2&paged=${i + 1}` })),
      ),
    )
    expect(fs).toEqual([])
  })
})

describe('distributed-login-attack', () => {
  const botnet = (n: number, site = 'shop.example', offset = 0) =>
    Array.from({ length: n }, (_, i) => `10.${offset}.${i >> 8}.${i & 255}`).map((ip, i) => ({ ip, i, site }))

  it('fires when 20 distinct IPs fail on one site within an hour, listing them', () => {
    const ips = botnet(25)
    const events = merge(...ips.map(({ ip, i }) => [failedLogin(ip, i * MIN), xmlrpc(ip, i * MIN + 30 * SEC)]))
    const fs = run(engineFor(), events)
    expect(summary(fs)).toEqual(['distributed-login-attack site:shop.example 20'])
    expect(fs[0]?.ips).toEqual(ips.slice(0, 20).map((b) => b.ip))
    expect(fs[0]?.threshold).toBe('20 distinct ip in 1h')
  })

  it('an IP that then logs in successfully is not an attacker', () => {
    const ips = botnet(21)
    const user = ips[3]?.ip as string
    const events = merge(
      ips.map(({ ip, i }) => failedLogin(ip, i * MIN)),
      [successfulLogin(user, 10 * MIN + 30 * SEC)],
    )
    const fs = run(engineFor(), events)
    expect(summary(fs)).toEqual(['distributed-login-attack site:shop.example 20'])
    expect(fs[0]?.event.ip).toBe(ips[20]?.ip) // the 21st IP makes 20 once the user is forgiven
    expect(fs[0]?.ips).not.toContain(user)
  })

  it('needs one site: 10 IPs here and 10 there are not an attack', () => {
    const events = merge(
      botnet(10, 'a.example').map(({ ip, i, site }) => failedLogin(ip, i * MIN, site)),
      botnet(10, 'b.example', 1).map(({ ip, i, site }) => failedLogin(ip, i * MIN, site)),
    )
    expect(run(engineFor(), events)).toEqual([])
  })

  it('a 400-IP botnet with 2-3 tries each is one site finding, re-reported at 10x', () => {
    const ips = botnet(400)
    const events = merge(
      ...ips.map(({ ip, i }) => series(2 + (i % 2), 7 * SEC, (_, at) => failedLogin(ip, at), i * 5 * SEC)),
    )
    const fs = run(engineFor(), events)
    expect(summary(fs)).toEqual([
      'distributed-login-attack site:shop.example 20',
      'distributed-login-attack site:shop.example 200',
    ])
    expect(fs[1]?.ips).toHaveLength(200)
  })
})

describe('IPv6 rotation', () => {
  it('an attacker rotating through a /64 is caught as the subnet', () => {
    const fs = run(
      engineFor(),
      series(12, 5 * SEC, (i, at) => failedLogin(`2001:db8:1:2::${(i + 1).toString(16)}`, at)),
    )
    expect(summary(fs)).toEqual(['wp-login-bruteforce subnet:2001:db8:1:2::/64 5'])
    expect(fs[0]?.ips).toEqual([
      '2001:db8:1:2::1',
      '2001:db8:1:2::2',
      '2001:db8:1:2::3',
      '2001:db8:1:2::4',
      '2001:db8:1:2::5',
    ])
  })

  it('one IPv6 address fires as itself, not also as its subnet', () => {
    const fs = run(
      engineFor(),
      series(6, 5 * SEC, (_, at) => failedLogin('2001:db8::7', at)),
    )
    expect(summary(fs)).toEqual(['wp-login-bruteforce ip:2001:db8::7 5'])
  })

  it('visitors in different /64s are not one attacker', () => {
    const fs = run(
      engineFor(),
      series(30, 5 * SEC, (i, at) => failedLogin(`2001:db8:${i.toString(16)}::1`, at)),
    )
    // (30 IPs failing on one site is a distributed attack on the site; what matters here is no subnet)
    expect(summary(fs)).toEqual(['distributed-login-attack site:shop.example 20'])
  })

  it('an hour of slow rotation is caught by the 1h tier of the /64', () => {
    const fs = of(
      'wp-login-bruteforce',
      run(
        engineFor(),
        series(20, 2 * MIN, (i, at) => failedLogin(`2001:db8:5:6:${i + 1}::1`, at)),
      ),
    )
    expect(summary(fs)).toEqual(['wp-login-bruteforce subnet:2001:db8:5:6::/64 20'])
    expect(fs[0]?.time).toBe(failedLogin('x', 38 * MIN).time)
  })
})

describe('an ordinary busy day is quiet', () => {
  it('heartbeats, wp-cron, crawlers, editors', () => {
    const fs = run(
      engineFor(),
      merge(
        series(2000, 15 * SEC, (_, at) =>
          event({ ip: '203.0.113.50', at, method: 'POST', path: '/wp-admin/admin-ajax.php', query: '' }),
        ),
        series(500, MIN, (_, at) =>
          event({ ip: '198.51.100.1', at, method: 'POST', path: '/wp-cron.php', query: 'doing_wp_cron=1' }),
        ),
        series(3000, 2 * SEC, (i, at) =>
          event({ ip: '66.249.66.1', at, path: `/product/${i}/`, status: i % 400 === 0 ? 404 : 200 }),
        ),
        series(100, 10 * SEC, (_, at) => event({ ip: '203.0.113.50', at, path: '/wp-json/wp/v2/users/me' })),
        series(1000, 5 * SEC, (i, at) => event({ ip: '192.0.2.80', at, path: `/blog/post-${i % 50}/` })),
      ),
    )
    expect(fs).toEqual([])
    expect(HOUR).toBe(60 * MIN)
  })
})
