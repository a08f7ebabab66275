/**
 * What every access-log parser shares: a scratch record the tokenizers fill (strings as they appear in the line),
 * and `finish`, which turns it into a LogEvent: IP normalisation, X-Forwarded-For through trusted proxies,
 * request-line splitting, '-' → '', the site from the vhost.
 */
import { detachString, type IpMatcher, normalizeIp, parseIpv4, sliceDetached } from '../core/ip.js'
import type { LogEvent, ParseFailure, ParseResult } from '../core/types.js'

export interface ParserOptions {
  /** connecting addresses whose X-Forwarded-For is believed (reverse proxies, CDNs) */
  trustedProxies?: IpMatcher
}

/** Raw field text as found in the line ('' when the format has no such field). A new one per line. */
export interface Scratch {
  ip: string
  vhost: string
  user: string
  /** ms UTC; NaN when the line had no time */
  time: number
  request: string
  method: string
  /** a path, possibly with `?query` (nginx $request_uri) */
  path: string
  /** with or without a leading '?' (Apache %q has one) */
  query: string
  protocol: string
  status: string
  bytes: string
  referer: string
  userAgent: string
  xff: string
}

export const newScratch = (): Scratch => ({
  ip: '',
  vhost: '',
  user: '',
  time: Number.NaN,
  request: '',
  method: '',
  path: '',
  query: '',
  protocol: '',
  status: '',
  bytes: '',
  referer: '',
  userAgent: '',
  xff: '',
})

export const failure = (error: string): ParseFailure => ({ error })

/** '-' (and Apache's `""` for an empty user) mean "absent" in access logs. */
const dash = (s: string): string => (s === '-' || s === '""' ? '' : s)

/** A non-negative decimal number, or -1 ('-' and '' give 0). */
export function parseCount(s: string): number {
  if (s === '-' || s === '') return 0
  if (s.length > 15) return -1
  let v = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}

/**
 * Index of the quote that closes a quoted field whose text starts at `from`: the next `"` not escaped by an odd
 * number of backslashes (Apache writes `\"` and `\\`; nginx writes `\x22`). -1 when unterminated. Linear: every
 * backslash run is counted once, by the quote that follows it.
 */
export function closeQuote(s: string, from: number): number {
  let i = s.indexOf('"', from)
  while (i >= 0) {
    let b = i - 1
    while (b >= from && s.charCodeAt(b) === 92) b--
    if ((i - 1 - b) % 2 === 0) return i
    i = s.indexOf('"', i + 1)
  }
  return -1
}

/** A request method as servers log it: 1-24 of A-Z a-z 0-9 _ - (CrowdSec's WORD, plus '-' for M-SEARCH). */
function isMethod(s: string, end: number): boolean {
  if (end < 1 || end > 24) return false
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i)
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45
    if (!ok) return false
  }
  return true
}

/**
 * Splits a request line `METHOD target HTTP/x.y` (or HTTP/0.9's `METHOD target`) into the scratch. Anything else
 * (raw TLS bytes, `Gh0st...`, `-`, a lone `HELP`) leaves method, path, query and protocol empty: the line is still
 * an event (its status says what the server did), it just has no verb.
 */
function splitRequest(f: Scratch, req: string): void {
  const sp1 = req.indexOf(' ')
  if (sp1 < 0 || !isMethod(req, sp1)) return
  let sp2 = req.length - 1
  while (sp2 > sp1 && req.charCodeAt(sp2) !== 32) sp2--
  let target: string
  let protocol = ''
  if (sp2 === sp1) {
    target = req.slice(sp1 + 1)
  } else {
    if (!req.startsWith('HTTP/', sp2 + 1)) return
    target = req.slice(sp1 + 1, sp2)
    protocol = req.slice(sp2 + 1)
  }
  if (target === '') return
  if (f.method === '') f.method = req.slice(0, sp1)
  if (f.path === '') f.path = target
  if (f.protocol === '') f.protocol = protocol
}

/** The site named by a vhost field: port stripped, lower case; '' for '-', '_' (nginx's catch-all) and ''. */
export function vhostToSite(v: string): string {
  if (v === '' || v === '-' || v === '_') return ''
  let host = v
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']')
    if (close > 0) host = host.slice(1, close)
  } else {
    const colon = host.indexOf(':')
    if (colon >= 0 && host.indexOf(':', colon + 1) < 0) host = host.slice(0, colon)
  }
  return host.toLowerCase()
}

const MAX_XFF_HOPS = 32

/** One X-Forwarded-For entry: an IP, `[v6]:port`, or `v4:port`. */
function xffEntry(token: string): string | null {
  const colon = token.indexOf(':')
  if (colon > 0 && token.indexOf(':', colon + 1) < 0 && parseIpv4(token, 0, colon) >= 0) return token.slice(0, colon)
  return normalizeIp(token)
}

/**
 * The client behind trusted proxies: walk X-Forwarded-For from the right (the hop nearest to us), skipping trusted
 * proxies; the first untrusted address is the client. A malformed entry stops the walk at the last good hop: what
 * lies left of it was written by someone we cannot vouch for.
 */
export function clientFromXff(xff: string, connecting: string, trusted: IpMatcher): string {
  let client = connecting
  let end = xff.length
  for (let hops = 0; end > 0 && hops < MAX_XFF_HOPS; hops++) {
    const comma = xff.lastIndexOf(',', end - 1)
    const token = xff.slice(comma + 1, end).trim()
    end = Math.max(comma, 0)
    if (token === '') continue
    const ip = xffEntry(token)
    if (ip === null) break
    // (a hop is a slice of the line: an IPv4 comes from the shared strings, normalizeIp's others are copies)
    const v4 = parseIpv4(ip)
    client = v4 >= 0 ? ipv4String(ip, 0, ip.length, v4) : ip
    if (!trusted.has(ip)) break
  }
  return client
}

/**
 * IPv4 strings by address, direct-mapped: a client seen again gets the string made the first time, so there is no
 * allocation, and the detectors' map lookups find its hash already computed. A strict dotted quad has one spelling,
 * so the cached string is the text. 4096 slots; a clash just replaces the entry.
 */
const V4_SLOTS = 4096
const v4Keys = new Float64Array(V4_SLOTS).fill(-1)
const v4Strings: string[] = new Array<string>(V4_SLOTS).fill('')

export function ipv4String(line: string, from: number, to: number, value: number): string {
  const slot = Math.imul(value | 0, 0x9e3779b1) >>> 20
  if (v4Keys[slot] === value) return v4Strings[slot] as string
  const ip = sliceDetached(line, from, to)
  v4Keys[slot] = value
  v4Strings[slot] = ip
  return ip
}

/** Turns the filled scratch into an event, or says why it cannot. */
export function finish(f: Scratch, site: string, opts: ParserOptions): ParseResult {
  if (f.ip === '' || f.ip === '-') return failure('no client address')
  // (an IP is kept as a key by the detectors: it must not be a slice that keeps the line's chunk alive)
  const v4 = parseIpv4(f.ip)
  let ip = v4 >= 0 ? ipv4String(f.ip, 0, f.ip.length, v4) : normalizeIp(f.ip)
  if (ip === null) return failure('client address is not an IP')
  if (Number.isNaN(f.time)) return failure('no timestamp')
  const status = parseCount(f.status)
  if (status < 0 || status > 999) return failure('bad status')
  const bytes = parseCount(f.bytes)
  if (bytes < 0) return failure('bad byte count')

  const trusted = opts.trustedProxies
  if (trusted !== undefined && f.xff !== '' && f.xff !== '-' && trusted.has(ip)) ip = clientFromXff(f.xff, ip, trusted)

  if (f.request !== '' && f.request !== '-') splitRequest(f, f.request)
  let path = dash(f.path)
  let query = dash(f.query)
  const q = path.indexOf('?')
  if (q >= 0) {
    if (query === '') query = path.slice(q + 1)
    path = path.slice(0, q)
  }
  if (query.charCodeAt(0) === 63 /* ? */) query = query.slice(1)

  const vsite = vhostToSite(f.vhost)
  return httpEvent(
    f.time,
    ip,
    vsite === '' ? site : detachString(vsite),
    dash(f.method),
    path,
    query,
    dash(f.protocol),
    status,
    bytes,
    dash(f.referer),
    dash(f.userAgent),
    detachString(dash(f.user)),
  )
}

/**
 * The one place an access-log event is made: every parser's events share one property order, so V8 keeps one
 * hidden class (and monomorphic property access) for them all the way through the pipeline.
 */
export function httpEvent(
  time: number,
  ip: string,
  site: string,
  method: string,
  path: string,
  query: string,
  protocol: string,
  status: number,
  bytes: number,
  referer: string,
  userAgent: string,
  user: string,
): LogEvent {
  return {
    time,
    ip,
    site,
    service: 'http',
    method,
    path,
    query,
    protocol,
    status,
    bytes,
    referer,
    userAgent,
    user,
    outcome: '',
  }
}

/** s[from..to) as a string, '' for '-' and `""` (what `dash` does, without slicing first). */
export function textAt(s: string, from: number, to: number): string {
  const n = to - from
  if (n <= 0) return ''
  if (n === 1 && s.charCodeAt(from) === 45) return ''
  if (n === 2 && s.charCodeAt(from) === 34 && s.charCodeAt(from + 1) === 34) return ''
  return s.slice(from, to)
}

/**
 * The method s[from..to) as a string: the common ones are shared constants (no allocation per line, and the
 * detectors' `method === 'POST'` compares two internalized strings), '' for '-' (as `dash`), else a slice.
 */
export function methodAt(s: string, from: number, to: number): string {
  const c0 = s.charCodeAt(from)
  const c1 = s.charCodeAt(from + 1)
  const c2 = s.charCodeAt(from + 2)
  switch (to - from) {
    case 1:
      return c0 === 45 ? '' : s.slice(from, to)
    case 3:
      if (c0 === 71 && c1 === 69 && c2 === 84) return 'GET'
      if (c0 === 80 && c1 === 85 && c2 === 84) return 'PUT'
      break
    case 4:
      if (c0 === 80 && c1 === 79 && c2 === 83 && s.charCodeAt(from + 3) === 84) return 'POST'
      if (c0 === 72 && c1 === 69 && c2 === 65 && s.charCodeAt(from + 3) === 68) return 'HEAD'
      break
  }
  return s.slice(from, to)
}

/** The protocol s[from..to), known to start with `HTTP/`: HTTP/1.1, HTTP/1.0 and HTTP/2.0 are shared constants. */
export function protocolAt(s: string, from: number, to: number): string {
  if (to - from === 8 && s.charCodeAt(from + 6) === 46) {
    const major = s.charCodeAt(from + 5)
    const minor = s.charCodeAt(from + 7)
    if (major === 49 && minor === 49) return 'HTTP/1.1'
    if (major === 49 && minor === 48) return 'HTTP/1.0'
    if (major === 50 && minor === 48) return 'HTTP/2.0'
  }
  return s.slice(from, to)
}

/** vhostToSite over s[from..to) (port stripped, lower case; '' for '-', '_' and ''), slicing only once. */
export function siteAt(s: string, from: number, to: number): string {
  const n = to - from
  if (n <= 0) return ''
  const c0 = s.charCodeAt(from)
  if (n === 1 && (c0 === 45 || c0 === 95)) return ''
  let a = from
  let b = to
  if (c0 === 91 /* [ */) {
    const close = s.indexOf(']', from)
    if (close > from && close < to) {
      a = from + 1
      b = close
    }
  } else {
    let colon = -1
    let colons = 0
    for (let i = from; i < to; i++) {
      if (s.charCodeAt(i) === 58 && colons++ === 0) colon = i
    }
    if (colons === 1) b = colon
  }
  let lower = true
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i)
    if ((c >= 65 && c <= 90) || c > 127) {
      lower = false
      break
    }
  }
  const host = s.slice(a, b)
  return lower ? host : host.toLowerCase()
}

/**
 * Whether a line is an Apache or nginx error-log line (`[Thu Oct 13 12:24:49.880562 2022] [core:error] ...`,
 * `2021/12/01 13:53:33 [error] ...`): those get mixed into access logs but are not requests.
 */
export function isErrorLogLine(s: string, from = 0): boolean {
  const c = s.charCodeAt(from)
  if (c === 91 /* [ */) {
    // [Www Mmm dd hh:mm:ss...
    return s.charCodeAt(from + 4) === 32 && s.charCodeAt(from + 8) === 32 && isLetters(s, from + 1, 3)
  }
  return (
    s.charCodeAt(from + 4) === 47 &&
    s.charCodeAt(from + 7) === 47 &&
    s.charCodeAt(from + 10) === 32 &&
    s.charCodeAt(from + 13) === 58 &&
    s.charCodeAt(from + 19) === 32 &&
    s.charCodeAt(from + 20) === 91
  )
}

function isLetters(s: string, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) | 32
    if (c < 97 || c > 122) return false
  }
  return true
}

export const ERROR_LOG_LINE = 'error-log line, not an access line'
