/** Small builders shared by benign actors and campaigns: who makes a request, realistic sizes, WordPress paths. */

import type { Rng } from '../core/prng.js'
import type { Hit } from './format.js'
import type { Site } from './world.js'

export interface Who {
  ip: string
  userAgent: string
  protocol: string
  label: string
}

export function hit(
  time: number,
  who: Who,
  site: Site,
  method: string,
  target: string,
  status: number,
  bytes: number,
  referer = '',
  user = '',
): Hit {
  return {
    time,
    ip: who.ip,
    site: site.name,
    port: site.port,
    method,
    target,
    protocol: who.protocol,
    status,
    bytes,
    user,
    referer,
    userAgent: who.userAgent,
    label: who.label,
  }
}

export const origin = (site: Site): string => `${site.port === 443 ? 'https' : 'http'}://${site.name}`
export const url = (site: Site, path: string): string => `${origin(site)}${path}`

/** Response sizes as `%O` counts them (headers included), by kind of resource. */
export const size = {
  page: (rng: Rng) => rng.int(18_000, 95_000),
  notFound: (rng: Rng) => rng.int(9_000, 28_000),
  css: (rng: Rng) => rng.int(3_000, 60_000),
  js: (rng: Rng) => rng.int(2_000, 90_000),
  image: (rng: Rng) => rng.int(8_000, 420_000),
  loginPage: (rng: Rng) => rng.int(4_300, 7_200),
  /** a 302 redirect: headers only, plus cookies */
  redirect: (rng: Rng) => rng.int(600, 1_400),
  xmlrpc: (rng: Rng) => rng.int(370, 700),
  small: (rng: Rng) => rng.int(150, 900),
  json: (rng: Rng) => rng.int(400, 9_000),
}

export function assetsFor(site: Site, rng: Rng): Array<{ path: string; kind: 'css' | 'js' | 'image' }> {
  const theme = `/wp-content/themes/${site.theme}`
  const all: Array<{ path: string; kind: 'css' | 'js' | 'image' }> = [
    { path: `${theme}/style.css?ver=6.1.1`, kind: 'css' },
    { path: '/wp-includes/css/dist/block-library/style.min.css?ver=6.1.1', kind: 'css' },
    { path: '/wp-includes/js/jquery/jquery.min.js?ver=3.6.1', kind: 'js' },
    { path: '/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.3.2', kind: 'js' },
    { path: `${theme}/assets/js/frontend.min.js?ver=4.0.2`, kind: 'js' },
    { path: '/wp-includes/js/wp-emoji-release.min.js?ver=6.1.1', kind: 'js' },
  ]
  const n = rng.int(3, all.length)
  const out = all.slice(0, n)
  const images = rng.int(1, 5)
  for (let i = 0; i < images; i++) out.push({ path: rng.pick(site.uploads), kind: 'image' })
  return out
}

const SEARCH = ['opening hours', 'price', 'contact', 'recipe', 'delivery', 'gift card', 'booking', 'vegan', 'map']
export const searchQuery = (rng: Rng): string => `/?s=${encodeURIComponent(rng.pick(SEARCH)).replace(/%20/g, '+')}`

/** A path a real visitor asks for that does not exist: an old link, a typo. */
export function brokenPath(rng: Rng): string {
  return rng.pick([
    `/${rng.pick(['events', 'news', 'shop', 'gallery', 'blog'])}-${rng.int(2012, 2020)}/`,
    `/wp-content/uploads/${rng.int(2014, 2019)}/0${rng.int(1, 9)}/IMG_${rng.int(1000, 9999)}.jpg`,
    '/apple-touch-icon.png',
    '/apple-touch-icon-precomposed.png',
    `/?page_id=${rng.int(2, 400)}`,
    '/ads.txt',
    '/.well-known/traffic-advice',
  ])
}
