/**
 * Benign actors: what a busy WordPress hosting server sees every day. Each stays clearly under every rule threshold
 * (see README of the detection pack), like real traffic does; the comments say which rule each one brushes against.
 */

import { deriveSeed, Rng } from '../core/prng.js'
import { assetsFor, brokenPath, hit, searchQuery, size, url, type Who } from './hits.js'
import type { Actor, Step } from './schedule.js'
import {
  BINGBOT_PREFIXES,
  BINGBOT_UA,
  BROWSER_UAS,
  benignIpv4,
  benignIpv6,
  FEED_UAS,
  GOOGLEBOT_PREFIXES,
  GOOGLEBOT_UAS,
  JETPACK_IPS,
  JETPACK_UA,
  OTHER_BOT_UAS,
  pickSite,
  type Site,
  UPTIMEROBOT_IPS,
  UPTIMEROBOT_UA,
  type World,
} from './world.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Traffic follows the day: busiest at 15:00 UTC, quietest at 03:00; the mean factor is 1. */
export const diurnal = (t: number): number => 1 + 0.6 * Math.sin((2 * Math.PI * ((t % DAY) / HOUR - 9)) / 24)

const browserWho = (rng: Rng, ip: string, label: string): Who => ({
  ip,
  userAgent: rng.pick(BROWSER_UAS),
  protocol: rng.chance(0.6) ? 'HTTP/2.0' : 'HTTP/1.1',
  label,
})

/** About how many lines one visit writes (measured on the generator's own output); used to turn lines/s into visits/s. */
export const LINES_PER_VISIT = 7.9

/** Visitors arrive as a Poisson process whose rate follows the day (thinning). */
export function* visitorArrivals(world: World, visitsPerSecond: number, start: number, end: number): Actor {
  const rng = new Rng(deriveSeed(world.seed, 1))
  const peak = visitsPerSecond * 1.6
  if (peak <= 0) return
  let t = start
  let n = 0
  for (;;) {
    t += rng.exp(SECOND / peak)
    if (t >= end) return
    if (!rng.chance(diurnal(t) / 1.6)) continue
    yield { time: t, spawn: visitorSession(world, new Rng(deriveSeed(world.seed, 2, n++)), t, end) }
  }
}

function visitorIp(world: World, rng: Rng): string {
  if (rng.chance(0.12)) return rng.pick(world.regulars)
  return rng.chance(0.15) ? benignIpv6(rng) : benignIpv4(rng)
}

function* visitorSession(world: World, rng: Rng, t0: number, end: number): Actor {
  const site = pickSite(world, rng)
  const ip = visitorIp(world, rng)
  const kind = rng.weighted([
    ['browse', 80],
    ['feed', 7],
    ['login', 2],
    ['bot', 6],
    ['misc', 5],
  ] as const)
  switch (kind) {
    case 'browse':
      yield* browse(site, rng, browserWho(rng, ip, 'benign:visitor'), t0, 1 + Math.min(7, Math.floor(rng.exp(1.2))))
      return
    case 'feed': {
      const who: Who = { ip, userAgent: rng.pick(FEED_UAS), protocol: 'HTTP/1.1', label: 'benign:feed' }
      const path = rng.chance(0.85) ? '/feed/' : '/comments/feed/'
      const fresh = rng.chance(0.3)
      yield hit(t0, who, site, 'GET', path, fresh ? 200 : 304, fresh ? size.json(rng) : 0)
      return
    }
    case 'login':
      yield* userLogin(site, rng, browserWho(rng, ip, 'benign:login'), t0, end)
      return
    case 'bot': {
      const who: Who = { ip, userAgent: rng.pick(OTHER_BOT_UAS), protocol: 'HTTP/1.1', label: 'benign:bot' }
      let t = t0
      if (rng.chance(0.3)) {
        yield hit(t, who, site, 'GET', '/robots.txt', 200, rng.int(300, 600))
        t += rng.between(0.5, 3) * SECOND
      }
      for (let i = rng.int(1, 3); i > 0; i--) {
        yield hit(t, who, site, 'GET', rng.pick(site.posts), 200, size.page(rng))
        t += rng.between(1, 20) * SECOND
      }
      return
    }
    case 'misc': {
      const who = browserWho(rng, ip, 'benign:visitor')
      const [path, status] = rng.weighted([
        [['/robots.txt', 200], 3],
        [['/wp-sitemap.xml', 200], 2],
        [['/favicon.ico', 200], 3],
        [[brokenPath(rng), 404], 3],
      ] as const)
      yield hit(t0, who, site, 'GET', path, status, status === 404 ? size.notFound(rng) : size.small(rng))
      return
    }
  }
}

/** A person reading pages: the first page pulls theme assets, later ones mostly come from the cache. */
function* browse(site: Site, rng: Rng, who: Who, t0: number, pages: number): Actor {
  let t = t0
  let referer: string = rng.weighted([
    ['https://www.google.com/', 45],
    ['', 35],
    ['https://www.facebook.com/', 8],
    ['https://duckduckgo.com/', 5],
    ['https://www.bing.com/', 7],
  ] as const)
  for (let i = 0; i < pages; i++) {
    const r = rng.next()
    let path: string
    let status = 200
    if (r < 0.5) path = rng.pick(site.posts)
    else if (r < 0.75) path = rng.pick(site.pages)
    else if (r < 0.85) path = rng.pick(rng.chance(0.6) ? site.categories : site.tags)
    else if (r < 0.9) path = searchQuery(rng)
    else if (r < 0.97) path = `/page/${rng.int(2, 6)}/`
    else {
      path = brokenPath(rng)
      status = 404
    }
    yield hit(t, who, site, 'GET', path, status, status === 404 ? size.notFound(rng) : size.page(rng), referer)
    const here = url(site, path)
    const assets =
      i === 0 ? assetsFor(site, rng) : rng.chance(0.5) ? [{ path: rng.pick(site.uploads), kind: 'image' as const }] : []
    for (const a of assets) {
      t += rng.between(15, 400)
      yield hit(t, who, site, 'GET', a.path, 200, size[a.kind](rng), here)
    }
    if (i === 0 && rng.chance(0.08)) {
      t += rng.between(50, 500)
      yield hit(t, who, site, 'GET', '/favicon.ico', 200, size.small(rng), here)
    }
    if (status === 200 && path.endsWith('/') && rng.chance(0.015)) {
      // a comment: WordPress answers the POST with a redirect back to the post
      t += rng.between(40, 300) * SECOND
      yield hit(t, who, site, 'POST', '/wp-comments-post.php', 302, size.redirect(rng), here)
      t += rng.between(200, 900)
      yield hit(
        t,
        who,
        site,
        'GET',
        `${path}?unapproved=${rng.int(100, 9999)}&moderation-hash=${rng.hex(32)}`,
        200,
        size.page(rng),
        here,
      )
    }
    referer = here
    t += (3 + rng.exp(40)) * SECOND
  }
}

/**
 * A login with a typo needs this long to reach its successful attempt. The end of the generated window cuts every
 * actor, so a typo closer to it than this would stay a lone failed login, which no reader of the log can tell from
 * an attacker's single try (and a distributed attack on the site then rightly counts it): none is made there.
 */
const LOGIN_GRACE = 2 * MINUTE

/**
 * A customer or author logging in. One in ten mistypes once, then succeeds: a failed login (POST answered 200)
 * followed by a successful one (302) from the same IP is a person, not an attacker.
 */
function* userLogin(site: Site, rng: Rng, who: Who, t0: number, end: number): Actor {
  let t = t0
  yield hit(t, who, site, 'GET', '/wp-login.php', 200, size.loginPage(rng), url(site, '/'))
  const loginUrl = url(site, '/wp-login.php')
  if (rng.chance(0.1) && t0 + LOGIN_GRACE < end) {
    t += rng.between(6, 25) * SECOND
    yield hit(t, who, site, 'POST', '/wp-login.php', 200, size.loginPage(rng), loginUrl)
  }
  t += rng.between(6, 25) * SECOND
  yield hit(t, who, site, 'POST', '/wp-login.php', 302, size.redirect(rng), loginUrl)
  t += rng.between(200, 800)
  yield hit(t, who, site, 'GET', '/wp-admin/profile.php', 200, size.page(rng), loginUrl)
  for (let i = rng.int(0, 3); i > 0; i--) {
    // the dashboard's heartbeat runs once a minute
    t += rng.between(55, 65) * SECOND
    yield hit(
      t,
      who,
      site,
      'POST',
      '/wp-admin/admin-ajax.php',
      200,
      size.small(rng),
      url(site, '/wp-admin/profile.php'),
    )
  }
}

/**
 * An administrator's working session: login (after `typos` failed attempts), dashboard, then one or two posts in the
 * block editor with its REST calls (`/wp-json/wp/v2/users/me` many times, the authors list once per editor load)
 * and heartbeats every 15–60 s while editing.
 */
export function* adminSession(site: Site, rng: Rng, who: Who, t0: number, typos: number, authorsList = true): Actor {
  let t = t0
  const loginUrl = url(site, '/wp-login.php')
  yield hit(
    t,
    who,
    site,
    'GET',
    `/wp-login.php?redirect_to=${encodeURIComponent(url(site, '/wp-admin/'))}&reauth=1`,
    200,
    size.loginPage(rng),
  )
  for (let i = 0; i < typos; i++) {
    t += rng.between(6, 20) * SECOND
    yield hit(t, who, site, 'POST', '/wp-login.php', 200, size.loginPage(rng), loginUrl)
  }
  t += rng.between(5, 15) * SECOND
  yield hit(t, who, site, 'POST', '/wp-login.php', 302, size.redirect(rng), loginUrl)
  t += rng.between(200, 700)
  const dash = url(site, '/wp-admin/')
  yield hit(t, who, site, 'GET', '/wp-admin/', 200, size.page(rng), loginUrl)
  t += rng.between(50, 300)
  yield hit(
    t,
    who,
    site,
    'GET',
    '/wp-admin/load-styles.php?c=1&dir=ltr&load%5Bchunk_0%5D=dashicons,admin-bar,common,forms&ver=6.1.1',
    200,
    size.css(rng),
    dash,
  )
  t += rng.between(50, 300)
  yield hit(
    t,
    who,
    site,
    'GET',
    '/wp-admin/load-scripts.php?c=1&load%5Bchunk_0%5D=jquery-core,jquery-migrate,utils&ver=6.1.1',
    200,
    size.js(rng),
    dash,
  )
  for (let i = rng.int(0, 2); i > 0; i--) {
    t += rng.between(55, 65) * SECOND
    yield hit(t, who, site, 'POST', '/wp-admin/admin-ajax.php', 200, size.small(rng), dash)
  }
  t += rng.between(5, 40) * SECOND
  yield hit(t, who, site, 'GET', '/wp-admin/edit.php', 200, size.page(rng), dash)
  const editors = rng.chance(0.4) ? 2 : 1
  const interval = rng.between(15, 60) * SECOND
  for (let e = 0; e < editors; e++) {
    const post = rng.int(10, 900)
    const editUrl = url(site, `/wp-admin/post.php?post=${post}&action=edit`)
    t += rng.between(3, 30) * SECOND
    yield hit(
      t,
      who,
      site,
      'GET',
      `/wp-admin/post.php?post=${post}&action=edit`,
      200,
      size.page(rng),
      url(site, '/wp-admin/edit.php'),
    )
    const rest = [
      '/wp-json/wp/v2/users/me?context=edit&_locale=user',
      '/wp-json/wp/v2/types?context=view&_locale=user',
      `/wp-json/wp/v2/posts/${post}?context=edit&_locale=user`,
      // the post-author dropdown, shown to users who may edit others' posts: a user listing, once per editor load
      ...(authorsList
        ? ['/wp-json/wp/v2/users?context=view&who=authors&per_page=50&_fields=id%2Cname&_locale=user']
        : []),
      '/wp-json/wp/v2/settings?_locale=user',
      '/wp-json/wp/v2/users/me?_locale=user',
    ]
    for (const path of rest) {
      t += rng.between(30, 400)
      yield hit(t, who, site, 'GET', path, 200, size.json(rng), editUrl)
    }
    // editing: the editor's heartbeat, autosaves, a few REST look-ups; at least 12 minutes per post
    const until = t + rng.between(12, 60) * MINUTE
    let beats = 0
    while (t < until) {
      t += interval * rng.between(0.9, 1.1)
      yield hit(t, who, site, 'POST', '/wp-admin/admin-ajax.php', 200, size.small(rng), editUrl)
      beats++
      if (beats % 4 === 0) {
        t += rng.between(1, 5) * SECOND
        yield hit(
          t,
          who,
          site,
          'POST',
          `/wp-json/wp/v2/posts/${post}/autosaves?_locale=user`,
          200,
          size.json(rng),
          editUrl,
        )
      }
      if (rng.chance(0.05)) {
        t += rng.between(1, 5) * SECOND
        yield hit(
          t,
          who,
          site,
          'GET',
          '/wp-json/wp/v2/users/me?context=edit&_locale=user',
          200,
          size.json(rng),
          editUrl,
        )
      }
    }
    t += rng.between(1, 5) * SECOND
    yield hit(t, who, site, 'POST', `/wp-json/wp/v2/posts/${post}?_locale=user`, 200, size.json(rng), editUrl)
  }
  t += rng.between(10, 120) * SECOND
  yield hit(t, who, site, 'GET', `/wp-login.php?action=logout&_wpnonce=${rng.hex(10)}`, 302, size.redirect(rng), dash)
}

/** One crawler IP walking every site: many distinct paths, a few of them gone (404), never fast. */
export function* crawler(world: World, rng: Rng, who: Who, meanGapMs: number, start: number, end: number): Actor {
  let t = start + rng.exp(meanGapMs)
  let deleted = 0
  while (t < end) {
    const site = pickSite(world, rng)
    const r = rng.next()
    let path: string
    let status = 200
    let bytes = 0
    if (r < 0.4) path = rng.pick(site.posts)
    else if (r < 0.5) path = rng.pick(site.pages)
    else if (r < 0.6)
      path = `${rng.pick(rng.chance(0.5) ? site.categories : site.tags)}${rng.chance(0.5) ? `page/${rng.int(2, 9)}/` : ''}`
    else if (r < 0.68) path = rng.pick(site.uploads)
    else if (r < 0.73) path = rng.pick(['/feed/', '/comments/feed/', `${rng.pick(site.posts)}feed/`])
    else if (r < 0.78)
      path = rng.pick([
        '/wp-sitemap.xml',
        '/wp-sitemap-posts-post-1.xml',
        '/wp-sitemap-taxonomies-category-1.xml',
        '/sitemap_index.xml',
      ])
    else if (r < 0.8) path = '/robots.txt'
    else if (r < 0.83) {
      path = `/?p=${rng.int(2, 999)}`
      status = 301
      bytes = size.small(rng)
    } else if (r < 0.87) {
      // posts deleted since the crawler last saw them
      path = `/${rng.int(2014, 2020)}/${String(rng.int(1, 12)).padStart(2, '0')}/old-post-${deleted++}/`
      status = 404
      bytes = size.notFound(rng)
    } else path = rng.pick(site.posts)
    if (bytes === 0) bytes = path.startsWith('/wp-content/uploads') ? size.image(rng) : size.page(rng)
    yield hit(t, who, site, 'GET', path, status, bytes)
    t += rng.exp(meanGapMs)
  }
}

export function crawlers(world: World, crawlerLinesPerSecond: number, start: number, end: number): Actor[] {
  // one crawler IP asks at most every ~4 s on average: 75 requests in 5 minutes, ~3 of them 404
  const count = Math.max(3, Math.ceil(crawlerLinesPerSecond / 0.25))
  const actors: Actor[] = []
  for (let i = 0; i < count; i++) {
    const rng = new Rng(deriveSeed(world.seed, 3, i))
    const bing = i % 4 === 3
    const ip = bing
      ? `${rng.pick(BINGBOT_PREFIXES)}.${rng.int(1, 254)}`
      : `${GOOGLEBOT_PREFIXES[i % GOOGLEBOT_PREFIXES.length]}.${rng.int(1, 254)}`
    const who: Who = {
      ip,
      userAgent: bing ? BINGBOT_UA : rng.pick(GOOGLEBOT_UAS),
      protocol: 'HTTP/1.1',
      label: 'benign:crawler',
    }
    actors.push(crawler(world, rng, who, (count * SECOND) / Math.max(crawlerLinesPerSecond, 0.01), start, end))
  }
  return actors
}

/** UptimeRobot checks every site every 5 minutes from one of a few addresses. */
export function* monitor(world: World, site: Site, start: number, end: number): Actor {
  const rng = new Rng(deriveSeed(world.seed, 4, site.index))
  for (let t = start + rng.between(0, 300) * SECOND; t < end; t += rng.between(298, 302) * SECOND) {
    const who: Who = {
      ip: rng.pick(UPTIMEROBOT_IPS),
      userAgent: UPTIMEROBOT_UA,
      protocol: 'HTTP/1.1',
      label: 'benign:monitor',
    }
    const head = rng.chance(0.5)
    yield hit(t, who, site, head ? 'HEAD' : 'GET', '/', 200, head ? rng.int(300, 600) : size.page(rng))
  }
}

/** Jetpack talks to its sites through xmlrpc.php all day, from its published ranges (192.0.64.0/18). */
export function* jetpack(world: World, site: Site, start: number, end: number): Actor {
  const rng = new Rng(deriveSeed(world.seed, 5, site.index))
  for (let t = start + rng.exp(4 * MINUTE); t < end; t += 20 * SECOND + rng.exp(4 * MINUTE)) {
    const who: Who = { ip: rng.pick(JETPACK_IPS), userAgent: JETPACK_UA, protocol: 'HTTP/1.1', label: 'benign:jetpack' }
    const ts = Math.floor(t / 1000)
    const target = `/xmlrpc.php?for=jetpack&token=${rng.hex(12)}%3A1%3A${rng.int(1, 9)}&timestamp=${ts}&nonce=${rng.hex(10)}&body-hash=${rng.hex(27)}%3D&signature=${rng.hex(27)}%3D`
    yield hit(t, who, site, 'POST', target, 200, rng.int(300, 2500))
  }
}

/** WordPress calls its own wp-cron.php: from the server's public IP or, with system cron, from 127.0.0.1. */
export function* cron(world: World, site: Site, start: number, end: number): Actor {
  const rng = new Rng(deriveSeed(world.seed, 6, site.index))
  const ip = site.loopbackCron ? '127.0.0.1' : world.serverIp
  const who: Who = { ip, userAgent: `WordPress/6.1.1; ${url(site, '')}`, protocol: 'HTTP/1.1', label: 'benign:cron' }
  for (let t = start + rng.between(0, 120) * SECOND; t < end; t += 60 * SECOND + rng.exp(3 * MINUTE)) {
    const frac = `${rng.int(1000000, 9999999)}${rng.int(100000000, 999999999)}`
    yield hit(t, who, site, 'POST', `/wp-cron.php?doing_wp_cron=${(t / 1000).toFixed(0)}.${frac}`, 200, 0)
  }
}

/** Each site's administrator: a session or two a day from home (or from the office). */
export function* adminArrivals(world: World, site: Site, start: number, end: number): Actor {
  const rng = new Rng(deriveSeed(world.seed, 8, site.index))
  const atOffice = rng.chance(0.3)
  const ip = atOffice ? world.officeIp : benignIpv4(rng)
  const ua = rng.pick(BROWSER_UAS)
  let n = 0
  // sessions last at most ~2 h; 3 h apart they never overlap (two editor tabs would double the user listings)
  for (let t = start + rng.exp(DAY / 1.3); t < end; t += 3 * HOUR + rng.exp(DAY / 1.3)) {
    const who: Who = { ip, userAgent: ua, protocol: 'HTTP/2.0', label: 'benign:admin' }
    // several site admins share the office address: only the ones at home load the post-author list
    yield {
      time: t,
      spawn: adminSession(site, new Rng(deriveSeed(world.seed, 9, site.index, n++)), who, t, 0, !atOffice),
    }
  }
}

/** The admin who mistypes the password twice, then logs in. */
export function adminTypo(world: World, start: number, end: number): Actor[] {
  const rng = new Rng(deriveSeed(world.seed, 10))
  const span = end - start
  if (span < 30 * MINUTE) return []
  const site = pickSite(world, rng)
  const who: Who = {
    ip: benignIpv4(rng),
    userAgent: rng.pick(BROWSER_UAS),
    protocol: 'HTTP/2.0',
    label: 'benign:admin-typo',
  }
  const t = start + rng.between(0.1, 0.7) * span
  return [adminSession(site, rng, who, t, 2)]
}

/**
 * An agency office behind one NAT address: many people, many sites, all working day (07–17 UTC). People mistype
 * passwords now and then; by construction there are fewer than 5 failures in any minute, fewer than 20 in any hour
 * (at most 3 logins per hour, at most 2 typos each) and at most 15 per day (so fewer than 40 in any 24 h).
 */
export function* office(world: World, start: number, end: number): Actor {
  const rng = new Rng(deriveSeed(world.seed, 11))
  const ip = world.officeIp
  const SLOT = 20 * MINUTE
  let day = -1
  let typosToday = 0
  let n = 0
  for (let slot = Math.ceil(start / SLOT) * SLOT; slot < end; slot += SLOT) {
    const hour = (slot % DAY) / HOUR
    if (hour < 7 || hour >= 17) continue
    if (Math.floor(slot / DAY) !== day) {
      day = Math.floor(slot / DAY)
      typosToday = 0
    }
    const who = browserWho(rng, ip, 'benign:office')
    const events: Array<{ time: number; actor: Actor }> = []
    if (rng.chance(0.7)) {
      let typos: number = rng.weighted([
        [0, 55],
        [1, 38],
        [2, 7],
      ] as const)
      typos = Math.min(typos, 15 - typosToday)
      const t = slot + rng.between(0, SLOT - 1)
      if (t + LOGIN_GRACE >= end) typos = 0 // (see LOGIN_GRACE)
      typosToday += typos
      // agency staff are authors on client sites: no post-author dropdown, so no user listing
      events.push({
        time: t,
        actor: adminSession(pickSite(world, rng), new Rng(deriveSeed(world.seed, 12, n++)), who, t, typos, false),
      })
    }
    for (let i = rng.int(1, 4); i > 0; i--) {
      const t = slot + rng.between(0, SLOT - 1)
      const site = pickSite(world, rng)
      events.push({
        time: t,
        actor: browse(
          site,
          new Rng(deriveSeed(world.seed, 13, n++)),
          browserWho(rng, ip, 'benign:office'),
          t,
          rng.int(1, 5),
        ),
      })
    }
    if (rng.chance(0.15)) {
      // the staging area behind HTTP basic auth: the browser's first request gets 401, then it sends the password
      const t = slot + rng.between(0, SLOT - 1)
      events.push({
        time: t,
        actor: staging(pickSite(world, rng), rng.fork(n++), browserWho(rng, ip, 'benign:office'), t),
      })
    }
    events.sort((a, b) => a.time - b.time)
    for (const e of events) yield { time: e.time, spawn: e.actor } satisfies Step
  }
}

function* staging(site: Site, rng: Rng, who: Who, t0: number): Actor {
  let t = t0
  yield hit(t, who, site, 'GET', '/staging/', 401, rng.int(450, 700))
  if (rng.chance(0.2)) {
    t += rng.between(4, 12) * SECOND
    yield hit(t, who, site, 'GET', '/staging/', 401, rng.int(450, 700), '', 'dev')
  }
  t += rng.between(4, 12) * SECOND
  yield hit(t, who, site, 'GET', '/staging/', 200, size.page(rng), '', 'dev')
  for (const a of assetsFor(site, rng)) {
    t += rng.between(15, 300)
    yield hit(t, who, site, 'GET', `/staging${a.path}`, 200, size[a.kind](rng), url(site, '/staging/'), 'dev')
  }
}
