import { describe, expect, it } from 'vitest'
import type { LogEvent } from '../core/types.js'
import { compileRules, detectionConfig } from './config.js'
import { createPrefilter } from './prefilter.js'
import { canonicalPath } from './query.js'
import { event } from './testdata/event.js'

/** The rules of `config` (YAML as parsed), each alternative's shape, and the truth: does some alternative match? */
function setup(config: unknown) {
  const rules = compileRules(detectionConfig.parse(config))
  const alts = rules.flatMap((r) => [...r.filter.alts, ...(r.forgive?.alts ?? [])])
  const prefilter = createPrefilter(alts.map((a) => a.shape))
  const matches = (e: LogEvent): boolean => {
    const path = canonicalPath(e.path)
    return alts.some((a) => (a.path === null || a.path(path)) && a.fields(e))
  }
  return { prefilter, matches }
}

const PATHS = [
  '/',
  '/blog/',
  '/wp-content/uploads/2023/12/alpine-180-150x150.jpg',
  '/wp-includes/js/jquery/jquery.min.js',
  '/wp-login.php',
  '/wp-login.php/',
  '//wp-login.php',
  '/wp%2Dlogin.php',
  '/x/../wp-login.php',
  '/xmlrpc.php',
  '/.env',
  '/api/.env',
  '/%2Eenv',
  '/a/%2e%65nv',
  '/.git/HEAD',
  '/.well-known/acme-challenge/abc',
  '/wp-config.php.bak',
  '/blog/wp-config.php.save',
  '/wp-config.php~',
  '/wp-config.php',
  '/wp-config.bak',
  '/dump.sql',
  '/db.sql.gz',
  '/a/dump.sql',
  '/backup-2024.zip',
  '/site.tar.gz',
  '/phpmyadmin/',
  '/phpMyAdmin/index.php',
  '/pma',
  '/wp-json/wp/v2/users',
  '/wp-json/wp/v2/users/1',
  '/wp-json/wp/v2/users/me',
  '/wp-json/wp/v2/posts',
  '/wp-admin/edit.php',
  '/café/.env',
  '/café',
  '*',
  '',
  'http://evil.example/.env',
  '/staging/',
]
const QUERIES = [
  '',
  'ver=6.4.2',
  'author=2',
  '?author=1',
  '%61uthor=3',
  'p=1&author=',
  'rest_route=/wp/v2/users',
  'rest_route=%2Fwp%2Fv2%2Fusers',
  'who=authors&author=1',
  's=autho',
]
const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'get']
const STATUSES = [0, 200, 206, 301, 302, 304, 401, 403, 404, 410, 499, 500, 599, 600, 999]

/** Every combination of the lists above (and the same for sshd lines). */
function* events(): Generator<LogEvent> {
  for (const path of PATHS)
    for (const query of QUERIES)
      for (const method of METHODS)
        for (const status of STATUSES) {
          yield event({ path, query, method, status })
          if (status === 200 && method === 'GET') yield event({ path, query, service: 'sshd', outcome: 'failure' })
        }
}

describe('prefilter', () => {
  it('never turns away an event that some rule of the packs (filter or forgive) matches', () => {
    const { prefilter, matches } = setup({})
    let matched = 0
    for (const e of events()) {
      if (!matches(e)) continue
      matched++
      expect(prefilter.mayMatch(e), `${e.method} ${e.path}?${e.query} ${e.status}`).toBe(true)
    }
    expect(matched).toBeGreaterThan(500)
  })

  it('turns away ordinary page and asset requests without looking closer', () => {
    const { prefilter } = setup({})
    const ordinary = [
      event({ path: '/wp-content/uploads/2023/12/alpine-180-150x150.jpg' }),
      event({ path: '/wp-includes/js/jquery/jquery.min.js', query: 'ver=3.7.1' }),
      event({ path: '/blog/', status: 304 }),
      event({ path: '/feed/', method: 'HEAD' }),
      event({ path: '/checkout/', method: 'POST', status: 302 }),
    ]
    for (const e of ordinary) expect(prefilter.mayMatch(e), `${e.method} ${e.path} ${e.status}`).toBe(false)
    // the same requests, but rewritten by the server or suspicious, are looked at
    expect(prefilter.mayMatch(event({ path: '/blog//' }))).toBe(true)
    expect(prefilter.mayMatch(event({ path: '/blog/%41' }))).toBe(true)
    expect(prefilter.mayMatch(event({ path: '/wp-json/wp/v2/users' }))).toBe(true)
    expect(prefilter.mayMatch(event({ path: '/old/wp-config.php.1' }))).toBe(true)
    expect(prefilter.mayMatch(event({ path: '/', query: 'author=1' }))).toBe(true)
  })

  it('holds for user rules: patterns with wildcards anywhere, non-ASCII text, query values, no path at all', () => {
    const { prefilter, matches } = setup({
      packs: { wordpress: false, web: false },
      rules: [
        { name: 'a', filter: { path: ['**.sql', '/x*y/z', '/café/*', '*'] }, thresholds: [{ count: 1, within: '1m' }] },
        {
          name: 'b',
          filter: { path: '**/wp-config.php.*', status: ['4xx'] },
          thresholds: [{ count: 1, within: '1m' }],
        },
        { name: 'c', filter: { query: { rest_route: '/wp/*' } }, thresholds: [{ count: 1, within: '1m' }] },
        { name: 'd', filter: { service: 'sshd', outcome: 'failure' }, thresholds: [{ count: 1, within: '1m' }] },
        { name: 'e', filter: { method: ['PUT', 'DELETE'], status: [200] }, thresholds: [{ count: 1, within: '1m' }] },
      ],
    })
    let matched = 0
    for (const e of events()) {
      if (!matches(e)) continue
      matched++
      expect(prefilter.mayMatch(e), `${e.service} ${e.method} ${e.path}?${e.query} ${e.status}`).toBe(true)
    }
    expect(matched).toBeGreaterThan(100)
  })
})
