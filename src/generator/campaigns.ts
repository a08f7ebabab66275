/**
 * Attack campaigns, each labelled `attack:<name>` and listed in the ground truth with the rules expected to catch it.
 * Every campaign is clearly over its rule's threshold (per IP, per site or per /64), as real attacks are; the
 * thresholds are those of the built-in `wordpress` and `web` packs (issue 3).
 */

import { deriveSeed, Rng } from '../core/prng.js'
import type { Hit } from './format.js'
import { hit, size, url, type Who } from './hits.js'
import type { Actor } from './schedule.js'
import { ATTACK_TOOL_UAS, AttackerIps, BROWSER_UAS, ipv6InPrefix, type Site, type World, WPSCAN_UA } from './world.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

export const CAMPAIGNS = [
  'wp-login-flood',
  'xmlrpc-flood',
  'slow-bruteforce',
  'low-and-slow',
  'user-enumeration',
  '404-scan',
  'sensitive-file-probe',
  'http-auth-bruteforce',
  'login-botnet',
  'xmlrpc-botnet',
  'ipv6-rotation',
] as const
export type CampaignName = (typeof CAMPAIGNS)[number]

export interface TruthCampaign {
  name: string
  kind: 'ip' | 'subnet' | 'site'
  ips: string[]
  subnet?: string
  site?: string
  /** rules expected among the incidents that catch this campaign */
  rules: string[]
}

export interface CampaignPlan {
  actors: Actor[]
  truth: TruthCampaign[]
}

interface Ctx {
  world: World
  rng: Rng
  ips: AttackerIps
  start: number
  end: number
  actors: Actor[]
  truth: TruthCampaign[]
}

/** A start time such that `length` fits before the end, or null when the span is too short for this campaign. */
function place(c: Ctx, length: number): number | null {
  const span = c.end - c.start
  if (span < length + 2 * MINUTE) return null
  return c.start + MINUTE + c.rng.next() * (span - length - 2 * MINUTE)
}

const tool = (rng: Rng, ip: string, name: string, ua = rng.pick(ATTACK_TOOL_UAS)): Who => ({
  ip,
  userAgent: ua,
  protocol: 'HTTP/1.1',
  label: `attack:${name}`,
})

function distinctSites(c: Ctx, n: number): Site[] {
  const pool = [...c.world.sites]
  const out: Site[] = []
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(c.rng.next() * pool.length), 1)[0] as Site)
  return out
}

/** What brute-force tools do: GET the login page, then POST the guess; WordPress answers a failure with 200. */
function* loginTry(site: Site, rng: Rng, who: Who, t: number): Generator<Hit, number, undefined> {
  yield hit(t, who, site, 'GET', '/wp-login.php', 200, size.loginPage(rng))
  const post = t + rng.between(200, 1500)
  yield hit(post, who, site, 'POST', '/wp-login.php', 200, size.loginPage(rng), url(site, '/wp-login.php'))
  return post
}

/** Login guesses at `gap()` intervals from `t0` until `until`, rotating over `sites`. */
function* loginSeries(sites: Site[], rng: Rng, who: Who, t0: number, until: number, gap: () => number): Actor {
  let t = t0
  let i = 0
  while (t < until) {
    t = yield* loginTry(sites[i++ % sites.length] as Site, rng, who, t)
    t += gap()
  }
}

function* xmlrpcSeries(
  sites: Site[],
  who: Who,
  t0: number,
  until: number,
  gap: () => number,
  bytes: () => number,
): Actor {
  let i = 0
  for (let t = t0; t < until; t += gap())
    yield hit(t, who, sites[i++ % sites.length] as Site, 'POST', '/xmlrpc.php', 200, bytes())
}

function* paths(
  site: (i: number) => Site,
  rng: Rng,
  who: Who,
  t0: number,
  list: readonly (readonly [string, number])[],
  gap: () => number,
  user?: (i: number) => string,
): Actor {
  let t = t0
  let i = 0
  for (const [path, status] of list) {
    const bytes =
      status === 404
        ? size.notFound(rng)
        : status === 401
          ? rng.int(450, 700)
          : status === 403
            ? rng.int(300, 500)
            : size.small(rng)
    yield hit(t, who, site(i), 'GET', path, status, bytes, '', user ? user(i) : '')
    i++
    t += gap()
  }
}

function perIp(
  c: Ctx,
  name: CampaignName,
  rule: string,
  length: number,
  make: (ip: string, t0: number, rng: Rng) => Actor,
): void {
  const t0 = place(c, length)
  if (t0 === null) return
  const ip = c.ips.ipv4()
  c.actors.push(make(ip, t0, c.rng.fork(c.actors.length)))
  c.truth.push({ name, kind: 'ip', ips: [ip], rules: [rule] })
}

const PLUGINS = [
  'revslider',
  'wp-file-manager',
  'contact-form-7',
  'elementor',
  'woocommerce',
  'wp-super-cache',
  'duplicator',
  'wpforms-lite',
  'all-in-one-seo-pack',
  'akismet',
  'jetpack',
  'wordfence',
  'updraftplus',
  'yoast',
  'litespeed-cache',
  'really-simple-ssl',
  'classic-editor',
  'wp-mail-smtp',
  'redirection',
  'tinymce-advanced',
  'ninja-forms',
  'formidable',
  'wp-statistics',
  'easy-wp-smtp',
  'file-manager-advanced',
  'backup-backup',
  'wp-fastest-cache',
  'w3-total-cache',
  'mailpoet',
  'loginizer',
  'ultimate-member',
  'wp-automatic',
  'gravityforms',
  'layerslider',
  'js_composer',
  'essential-addons-for-elementor-lite',
  'wp-gdpr-compliance',
  'social-warfare',
  'simple-file-list',
  'wp-time-capsule',
  'advanced-custom-fields',
  'bbpress',
  'buddypress',
  'event-manager',
  'give',
  'popup-builder',
  'wp-user-avatar',
  'theme-editor',
  'post-smtp',
  'ad-inserter',
]
const PLUGIN_FILES = ['readme.txt', 'changelog.txt', 'README.md', 'languages/', 'assets/js/main.js']
const GENERIC_SCAN = [
  '/cgi-bin/luci/;stok=/locale',
  '/boaform/admin/formLogin',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  '/solr/admin/info/system',
  '/actuator/health',
  '/owa/auth/logon.aspx',
  '/HNAP1/',
  '/console/',
  '/manager/html',
  '/remote/login',
  '/api/jsonws/invoke',
  '/index.php?s=/Index/\\think\\app/invokefunction',
  '/shell.php',
  '/wso.php',
  '/alfa.php',
  '/xleet.php',
  '/about.php',
  '/radio.php',
  '/wp-content/plugins/hellopress/wp_filemanager.php',
  '/geoserver/web/',
  '/webfig/',
  '/cf_scripts/scripts/ajax/ckeditor/ckeditor.js',
  '/mifs/.;/services/LogService',
  '/Autodiscover/Autodiscover.xml',
  '/telescope/requests',
  '/_ignition/execute-solution',
  '/jenkins/login',
  '/user/login',
  '/admin/login.php',
  '/administrator/index.php',
  '/installer.php',
  '/install.php',
]
const OLD_DIRS = [
  '/wp/',
  '/old/',
  '/new/',
  '/test/',
  '/blog/',
  '/backup/',
  '/demo/',
  '/site/',
  '/main/',
  '/home/',
  '/wordpress/',
  '/wp-old/',
  '/dev/',
  '/beta/',
  '/cms/',
  '/v2/',
]
const OLD_FILES = ['', 'wp-login.php', 'wp-admin/install.php', 'wp-includes/wlwmanifest.xml']
const SENSITIVE = [
  ['/.env', 404],
  ['/.git/config', 403],
  ['/.git/HEAD', 403],
  ['/wp-config.php.bak', 404],
  ['/wp-config.php~', 404],
  ['/wp-config.php.old', 404],
  ['/wp-config.php.save', 404],
  ['/.wp-config.php.swp', 404],
  ['/backup.zip', 404],
  ['/backup.tar.gz', 404],
  ['/db.sql', 404],
  ['/phpmyadmin/', 404],
  ['/pma/', 404],
  ['/.aws/credentials', 404],
  ['/wp-content/debug.log', 404],
  ['/.svn/entries', 404],
  ['/site.sql', 404],
  ['/.env.backup', 404],
] as const

function plan(c: Ctx, name: CampaignName): void {
  const { rng } = c
  switch (name) {
    case 'wp-login-flood':
      // a fast flood against one site, and a flood rotating over three sites (one IP across sites is one attacker)
      perIp(c, name, 'wp-login-bruteforce', 12 * MINUTE, (ip, t0, r) =>
        loginSeries(distinctSites(c, 1), r, tool(r, ip, name), t0, t0 + rng.between(8, 12) * MINUTE, () =>
          r.between(600, 1600),
        ),
      )
      perIp(c, name, 'wp-login-bruteforce', 20 * MINUTE, (ip, t0, r) =>
        loginSeries(distinctSites(c, 3), r, tool(r, ip, name), t0, t0 + 20 * MINUTE, () => r.between(2, 4) * SECOND),
      )
      return
    case 'xmlrpc-flood':
      perIp(c, name, 'xmlrpc-abuse', 10 * MINUTE, (ip, t0, r) =>
        xmlrpcSeries(
          distinctSites(c, 1),
          tool(r, ip, name),
          t0,
          t0 + 10 * MINUTE,
          () => r.between(1, 2) * SECOND,
          () => size.xmlrpc(r),
        ),
      )
      // system.multicall: one POST every 1–2 minutes, each carrying hundreds of guesses (a large response)
      perIp(c, name, 'xmlrpc-abuse', 4 * HOUR, (ip, t0, r) =>
        xmlrpcSeries(
          distinctSites(c, 1),
          tool(r, ip, name),
          t0,
          t0 + 4 * HOUR,
          () => r.between(60, 120) * SECOND,
          () => r.int(40_000, 260_000),
        ),
      )
      return
    case 'slow-bruteforce':
      perIp(c, name, 'wp-login-bruteforce', 3 * HOUR, (ip, t0, r) =>
        loginSeries(distinctSites(c, 1), r, tool(r, ip, name), t0, t0 + 3 * HOUR, () => r.between(55, 65) * SECOND),
      )
      perIp(c, name, 'wp-login-bruteforce', 2 * HOUR, (ip, t0, r) =>
        loginSeries(distinctSites(c, 2), r, tool(r, ip, name), t0, t0 + 2 * HOUR, () => r.between(50, 70) * SECOND),
      )
      return
    case 'low-and-slow': {
      // one guess every 5–9 minutes for the rest of the day: never 20 in an hour, but well over 40 in 24 h
      const span = c.end - c.start
      if (span < 10 * HOUR) return
      for (let k = 0; k < 2; k++) {
        const ip = c.ips.ipv4()
        const r = rng.fork(100 + k)
        const t0 = c.start + r.between(0, 0.1) * span
        const sites = distinctSites(c, k + 1)
        c.actors.push(
          loginSeries(sites, r, tool(r, ip, name, r.pick(BROWSER_UAS)), t0, c.end, () => r.between(5, 9) * MINUTE),
        )
        c.truth.push({ name, kind: 'ip', ips: [ip], rules: ['wp-login-bruteforce'] })
      }
      return
    }
    case 'user-enumeration':
      perIp(c, name, 'user-enumeration', 3 * MINUTE, (ip, t0, r) =>
        enumerate(distinctSites(c, 1), r, tool(r, ip, name, WPSCAN_UA), t0, 10, true),
      )
      perIp(c, name, 'user-enumeration', 8 * MINUTE, (ip, t0, r) =>
        enumerate(distinctSites(c, 2), r, tool(r, ip, name), t0, 5, false),
      )
      return
    case '404-scan': {
      perIp(c, name, '404-scan', 5 * MINUTE, (ip, t0, r) => {
        const site = distinctSites(c, 1)[0] as Site
        const list: Array<[string, number]> = []
        for (const p of PLUGINS)
          for (const f of PLUGIN_FILES) list.push([`/wp-content/plugins/${p}/${f}`, r.chance(0.05) ? 200 : 404])
        return paths(
          () => site,
          r,
          tool(r, ip, name, WPSCAN_UA),
          t0,
          list,
          () => r.between(300, 900),
        )
      })
      perIp(c, name, '404-scan', 4 * MINUTE, (ip, t0, r) => {
        const sites = distinctSites(c, 2)
        const list = GENERIC_SCAN.map((p) => [p, 404] as const)
        return paths(
          (i) => sites[i % sites.length] as Site,
          r,
          tool(r, ip, name),
          t0,
          [...list, ...list.map(([p]) => [`/wp-admin${p}`, 404] as const)],
          () => r.between(800, 2500),
        )
      })
      perIp(c, name, '404-scan', 3 * MINUTE, (ip, t0, r) => {
        const site = distinctSites(c, 1)[0] as Site
        const list: Array<[string, number]> = []
        for (const d of OLD_DIRS) for (const f of OLD_FILES) list.push([`${d}${f}`, 404])
        return paths(
          () => site,
          r,
          tool(r, ip, name),
          t0,
          list,
          () => r.between(500, 2500),
        )
      })
      return
    }
    case 'sensitive-file-probe':
      perIp(c, name, 'sensitive-file-probe', 2 * MINUTE, (ip, t0, r) => {
        const site = distinctSites(c, 1)[0] as Site
        return paths(
          () => site,
          r,
          tool(r, ip, name),
          t0,
          SENSITIVE.slice(0, 14),
          () => r.between(500, 4000),
        )
      })
      perIp(c, name, 'sensitive-file-probe', 6 * MINUTE, (ip, t0, r) => {
        const sites = distinctSites(c, 2)
        return paths(
          (i) => sites[i % sites.length] as Site,
          r,
          tool(r, ip, name),
          t0,
          SENSITIVE.slice(8),
          () => r.between(10, 40) * SECOND,
        )
      })
      return
    case 'http-auth-bruteforce': {
      const users = ['admin', 'administrator', 'root', 'test', 'user', 'webmaster', 'dev', 'staging', 'guest', 'info']
      perIp(c, name, 'http-auth-bruteforce', 7 * MINUTE, (ip, t0, r) => {
        const site = distinctSites(c, 1)[0] as Site
        const list = Array.from({ length: r.int(150, 220) }, () => ['/wp-admin/', 401] as const)
        return paths(
          () => site,
          r,
          tool(r, ip, name),
          t0,
          list,
          () => r.between(1, 3) * SECOND,
          () => r.pick(users),
        )
      })
      perIp(c, name, 'http-auth-bruteforce', 22 * MINUTE, (ip, t0, r) => {
        const site = distinctSites(c, 1)[0] as Site
        const list = Array.from({ length: 80 }, () => ['/staging/', 401] as const)
        return paths(
          () => site,
          r,
          tool(r, ip, name),
          t0,
          list,
          () => r.between(10, 20) * SECOND,
          () => r.pick(users),
        )
      })
      return
    }
    case 'login-botnet':
      botnet(c, name, 400, 'login')
      return
    case 'xmlrpc-botnet':
      botnet(c, name, 150, 'xmlrpc')
      return
    case 'ipv6-rotation': {
      // one attacker, one /64, a fresh address every ~45 s with only 1–2 guesses each, over four sites
      const t0 = place(c, 35 * MINUTE)
      if (t0 === null) return
      const prefix = c.ips.ipv6Prefix()
      const sites = distinctSites(c, 4)
      const ips: string[] = []
      for (let k = 0; k < 40; k++) {
        const r = rng.fork(200 + k)
        const ip = ipv6InPrefix(prefix, r)
        ips.push(ip)
        const at = t0 + k * 45 * SECOND + r.between(0, 10) * SECOND
        const tries = r.int(1, 2)
        c.actors.push(
          loginSeries(
            [sites[k % sites.length] as Site],
            r,
            tool(r, ip, name, BROWSER_UAS[0]),
            at,
            at + (tries - 0.5) * 15 * SECOND,
            () => 15 * SECOND,
          ),
        )
      }
      c.truth.push({ name, kind: 'subnet', ips, subnet: `${prefix}::/64`, rules: ['wp-login-bruteforce'] })
      return
    }
  }
}

/** ?author=1..n (301 to the author archive, 200 where archives are disabled, 404 past the last user) and the REST user list. */
function* enumerate(sites: Site[], rng: Rng, who: Who, t0: number, n: number, rest: boolean): Actor {
  let t = t0
  for (const site of sites) {
    yield hit(t, who, site, 'GET', '/', 200, size.page(rng))
    const archivesOff = rng.chance(0.3)
    for (let id = 1; id <= n; id++) {
      t += rng.between(300, 1500)
      const exists = id <= site.authors.length
      const status = exists ? (archivesOff ? 200 : 301) : 404
      yield hit(
        t,
        who,
        site,
        'GET',
        `/?author=${id}`,
        status,
        status === 404 ? size.notFound(rng) : status === 200 ? size.page(rng) : size.small(rng),
      )
      if (status === 301) {
        t += rng.between(100, 400)
        yield hit(t, who, site, 'GET', `/author/${site.authors[id - 1]}/`, 200, size.page(rng))
      }
    }
    const listing = rest
      ? ['/wp-json/wp/v2/users', '/wp-json/wp/v2/users?per_page=100&page=1', '/?rest_route=/wp/v2/users']
      : ['/?rest_route=/wp/v2/users', '/wp-json/wp/v2/users?search=admin', '/wp-json/wp/v2/users/1']
    for (const path of listing) {
      t += rng.between(500, 3000)
      yield hit(t, who, site, 'GET', path, 200, size.json(rng))
    }
    t += rng.between(30, 120) * SECOND
  }
}

/** Many IPs, each far under every per-IP threshold, together hammering one site within an hour. */
function botnet(c: Ctx, name: CampaignName, size_: number, kind: 'login' | 'xmlrpc'): void {
  const t0 = place(c, HOUR)
  if (t0 === null) return
  const taken = c.truth.find((t) => t.kind === 'site')?.site
  const candidates = c.world.sites.filter((s) => s.name !== taken)
  const site = c.rng.pick(candidates.length > 0 ? candidates : c.world.sites)
  const ips: string[] = []
  for (let k = 0; k < size_; k++) {
    const ip = c.ips.ipv4()
    ips.push(ip)
    const r = c.rng.fork(300 + k)
    const who: Who = { ip, userAgent: r.pick(BROWSER_UAS), protocol: 'HTTP/1.1', label: `attack:${name}` }
    const tries = kind === 'login' ? r.int(2, 3) : r.int(2, 4)
    const times = Array.from({ length: tries }, () => t0 + r.between(0, 58) * MINUTE).sort((a, b) => a - b)
    c.actors.push(
      kind === 'login'
        ? (function* (): Actor {
            let last = 0
            for (const t of times) last = yield* loginTry(site, r, who, Math.max(t, last + SECOND))
          })()
        : (function* (): Actor {
            for (const t of times) yield hit(t, who, site, 'POST', '/xmlrpc.php', 200, size.xmlrpc(r))
          })(),
    )
  }
  c.truth.push({ name, kind: 'site', ips, site: site.name, rules: ['distributed-login-attack'] })
}

export function planCampaigns(world: World, names: readonly CampaignName[], start: number, end: number): CampaignPlan {
  const c: Ctx = {
    world,
    rng: new Rng(deriveSeed(world.seed, 100)),
    ips: new AttackerIps(new Rng(deriveSeed(world.seed, 101))),
    start,
    end,
    actors: [],
    truth: [],
  }
  const wanted = new Set(names)
  for (const name of CAMPAIGNS) if (wanted.has(name)) plan(c, name)
  return { actors: c.actors, truth: c.truth }
}
