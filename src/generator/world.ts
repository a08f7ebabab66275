/**
 * The hosting server the generator pretends to be: its sites (WordPress, with posts, pages, a theme, uploads),
 * user agents, and IP address pools. Benign and attacking actors draw addresses from disjoint pools, so that no
 * benign visitor can share an IP (or a /24, or a /64) with an attacker by chance.
 */
import { deriveSeed, Rng } from '../core/prng.js'

export interface Site {
  name: string
  index: number
  /** share of normal traffic (Zipf-like: a few busy sites, many quiet ones) */
  weight: number
  port: number
  theme: string
  posts: string[]
  pages: string[]
  categories: string[]
  tags: string[]
  uploads: string[]
  /** user slugs (author archives) */
  authors: string[]
  jetpack: boolean
  /** cron called by 127.0.0.1 (system cron / nginx loopback) rather than the server's public IP */
  loopbackCron: boolean
}

export interface World {
  seed: number
  sites: Site[]
  /** cumulative weights of `sites`, for picking a site in O(log n) */
  cumulative: number[]
  serverIp: string
  officeIp: string
  /** returning visitors (benign, fixed IPs) */
  regulars: string[]
}

const WORDS = [
  'garden',
  'coffee',
  'bakery',
  'studio',
  'alpine',
  'harbor',
  'maple',
  'river',
  'summit',
  'pixel',
  'nordic',
  'urban',
  'copper',
  'cedar',
  'lumen',
  'atlas',
  'orchard',
  'meadow',
  'vintage',
  'solar',
  'coastal',
  'velvet',
  'granite',
  'amber',
  'willow',
  'falcon',
  'harvest',
  'lantern',
  'mosaic',
  'pepper',
  'quartz',
  'saffron',
  'timber',
  'zephyr',
  'bloom',
  'craft',
]
const NOUNS = [
  'shop',
  'blog',
  'studio',
  'events',
  'news',
  'design',
  'travel',
  'kitchen',
  'yoga',
  'dental',
  'law',
  'photo',
]
const TLDS = ['com', 'de', 'net', 'org', 'co.uk', 'nl', 'fr', 'io', 'ch', 'at']
const THEMES = [
  'astra',
  'twentytwentythree',
  'twentytwentyone',
  'generatepress',
  'oceanwp',
  'kadence',
  'hello-elementor',
]
const TOPICS = [
  'how-to',
  'spring',
  'recipe',
  'guide',
  'tips',
  'review',
  'best',
  'new',
  'our',
  'summer',
  'winter',
  'update',
  'ideas',
  'checklist',
  'beginners',
  'story',
  'behind-the-scenes',
  'announcing',
  'why',
  'what',
  'local',
  'top-10',
  'easy',
]

function slug(rng: Rng, words: number): string {
  const parts: string[] = []
  for (let i = 0; i < words; i++) parts.push(rng.chance(0.4) ? rng.pick(TOPICS) : rng.pick(WORDS))
  return parts.join('-')
}

function makeSite(seed: number, index: number): Site {
  const rng = new Rng(deriveSeed(seed, 1000 + index))
  const base = `${rng.pick(WORDS)}-${rng.pick(NOUNS)}`
  const name = `${rng.chance(0.5) ? 'www.' : ''}${base}${index >= 12 ? `-${index}` : ''}.${rng.pick(TLDS)}`
  const datePermalinks = rng.chance(0.5)
  const posts: string[] = []
  const nPosts = rng.int(20, 120)
  for (let i = 0; i < nPosts; i++) {
    const s = slug(rng, rng.int(2, 5))
    posts.push(datePermalinks ? `/${rng.int(2016, 2023)}/${String(rng.int(1, 12)).padStart(2, '0')}/${s}/` : `/${s}/`)
  }
  const pages = ['/', '/about/', '/contact/', '/blog/', '/privacy-policy/']
  if (rng.chance(0.5)) pages.push('/shop/', '/cart/', '/checkout/', '/my-account/')
  if (rng.chance(0.5)) pages.push('/services/', '/team/', '/faq/')
  const categories = Array.from({ length: rng.int(3, 8) }, () => `/category/${rng.pick(WORDS)}/`)
  const tags = Array.from({ length: rng.int(5, 15) }, () => `/tag/${rng.pick(TOPICS)}/`)
  const uploads = Array.from({ length: rng.int(20, 80) }, () => {
    const size = rng.pick(['-1024x683', '-300x200', '-768x512', '-150x150', '', '-scaled'])
    const ext = rng.pick(['jpg', 'jpg', 'jpg', 'png', 'webp'])
    return `/wp-content/uploads/${rng.int(2018, 2023)}/${String(rng.int(1, 12)).padStart(2, '0')}/${rng.pick(WORDS)}-${rng.int(1, 999)}${size}.${ext}`
  })
  const authors = [
    'admin',
    ...Array.from({ length: rng.int(0, 3) }, () =>
      rng.pick(['anna', 'tom', 'editor', 'maria', 'j-smith', 'webmaster']),
    ),
  ]
  return {
    name,
    index,
    weight: 1 / (index + 1) ** 0.9,
    port: rng.chance(0.9) ? 443 : 80,
    theme: rng.pick(THEMES),
    posts,
    pages,
    categories,
    tags,
    uploads,
    authors: [...new Set(authors)],
    jetpack: rng.chance(0.5),
    loopbackCron: rng.chance(0.4),
  }
}

export function createWorld(seed: number, siteCount: number): World {
  if (!Number.isInteger(siteCount) || siteCount < 1)
    throw new RangeError(`sites must be a positive integer, got ${siteCount}`)
  const sites: Site[] = []
  const names = new Set<string>()
  for (let i = 0; i < siteCount; i++) {
    let site = makeSite(seed, i)
    for (let salt = 1; names.has(site.name); salt++) site = { ...site, name: `${salt}-${site.name}` }
    names.add(site.name)
    sites.push(site)
  }
  const cumulative: number[] = []
  let sum = 0
  for (const s of sites) {
    sum += s.weight
    cumulative.push(sum)
  }
  const rng = new Rng(deriveSeed(seed, 7))
  return {
    seed,
    sites,
    cumulative,
    serverIp: benignIpv4(rng),
    officeIp: benignIpv4(rng),
    regulars: Array.from({ length: 300 }, () => (rng.chance(0.2) ? benignIpv6(rng) : benignIpv4(rng))),
  }
}

export function pickSite(world: World, rng: Rng): Site {
  const total = world.cumulative[world.cumulative.length - 1] ?? 0
  const r = rng.next() * total
  let lo = 0
  let hi = world.cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((world.cumulative[mid] ?? 0) > r) hi = mid
    else lo = mid + 1
  }
  return world.sites[lo] ?? (world.sites[0] as Site)
}

// ---- IP pools ---------------------------------------------------------------------------------------------------
// First octets of benign visitors and of attackers never overlap; neither includes private, reserved, Cloudflare
// (104.16/13, 172.64/13, 173.245/20 …), Google's crawler ranges (66.249/16) or Jetpack's (192.0.64.0/18).
const BENIGN_V4_FIRST = [
  24, 50, 62, 67, 68, 71, 73, 75, 76, 84, 86, 87, 88, 90, 96, 97, 98, 99, 151, 174, 184, 189, 201,
]
const ATTACK_V4_FIRST = [
  5, 31, 37, 45, 46, 77, 79, 80, 81, 82, 83, 85, 89, 91, 92, 93, 94, 95, 109, 117, 139, 185, 193, 194, 195,
]
const BENIGN_V6_FIRST = ['2a02', '2003', '2600', '2a01', '2601', '2605']
const ATTACK_V6_FIRST = ['2a0e', '2a12', '2a10', '2602']

const group = (rng: Rng): string => rng.int(0x1000, 0xffff).toString(16)

export function benignIpv4(rng: Rng): string {
  return `${rng.pick(BENIGN_V4_FIRST)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`
}

/** IPv6 with no zero groups, so the text is already canonical (RFC 5952) */
export function benignIpv6(rng: Rng): string {
  return `${rng.pick(BENIGN_V6_FIRST)}:${group(rng)}:${group(rng)}:${group(rng)}:${group(rng)}:${group(rng)}:${group(rng)}:${group(rng)}`
}

/** Hands out attacker addresses: IPv4 each in its own /24, IPv6 prefixes each their own /64. */
export class AttackerIps {
  private readonly used = new Set<string>()
  constructor(private readonly rng: Rng) {}

  ipv4(): string {
    for (;;) {
      const net = `${this.rng.pick(ATTACK_V4_FIRST)}.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}`
      if (this.used.has(net)) continue
      this.used.add(net)
      return `${net}.${this.rng.int(1, 254)}`
    }
  }

  /** four groups: the /64 prefix, e.g. `2a0e:1b2c:3d4e:5f60` */
  ipv6Prefix(): string {
    for (;;) {
      const prefix = `${this.rng.pick(ATTACK_V6_FIRST)}:${group(this.rng)}:${group(this.rng)}:${group(this.rng)}`
      if (this.used.has(prefix)) continue
      this.used.add(prefix)
      return prefix
    }
  }
}

export const ipv6InPrefix = (prefix: string, rng: Rng): string =>
  `${prefix}:${group(rng)}:${group(rng)}:${group(rng)}:${group(rng)}`

/** Jetpack's published ranges include 192.0.64.0/18; these are addresses from it as seen in real logs. */
export const JETPACK_IPS = [
  '192.0.84.247',
  '192.0.89.12',
  '192.0.101.226',
  '192.0.100.87',
  '192.0.98.38',
  '192.0.86.162',
  '192.0.115.90',
  '192.0.123.24',
]
export const GOOGLEBOT_PREFIXES = ['66.249.66', '66.249.64', '66.249.79', '66.249.68']
export const BINGBOT_PREFIXES = ['157.55.39', '40.77.167', '207.46.13']
export const UPTIMEROBOT_IPS = ['69.162.124.226', '63.143.42.244', '216.144.250.150', '208.115.199.18']

// ---- user agents -------------------------------------------------------------------------------------------------
export const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36 Edg/118.0.2088.76',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0',
]
export const FEED_UAS = [
  'Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers; like FeedFetcher-Google)',
  'NewsBlur Feed Fetcher - 3 subscribers - https://www.newsblur.com/site/4123/',
  'Tiny Tiny RSS/23.11 (https://tt-rss.org/)',
  'WordPress/6.1.1; https://friends-blog.example',
]
export const OTHER_BOT_UAS = [
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Twitterbot/1.0',
  'Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)',
]
export const GOOGLEBOT_UAS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.199 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
]
export const BINGBOT_UA = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)'
export const UPTIMEROBOT_UA = 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)'
export const JETPACK_UA = 'Jetpack by WordPress.com'
export const ATTACK_TOOL_UAS = [
  'python-requests/2.31.0',
  'Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:77.0) Gecko/20100101 Firefox/77.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36',
  'Go-http-client/1.1',
  'curl/7.88.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/104.0.5112.102 Safari/537.36',
]
export const WPSCAN_UA = 'WPScan v3.8.24 (https://wpscan.com/wordpress-security-scanner)'
