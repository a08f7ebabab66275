/**
 * The Common Log Format family, hand-tokenized: Apache `common`, `combined`, `vhost_combined` (`%v:%p %h ...`, with
 * or without the port) and nginx's default `combined` / `main` (with a trailing `"$http_x_forwarded_for"`).
 *
 *   [vhost[:port]] client ident user [time] "request" status bytes ["referer" "user agent" ["x-forwarded-for"] ...]
 *
 * How it stays correct on hostile lines: both servers escape `"` inside logged values (Apache `\"`, nginx `\x22`), so
 * the first unescaped quote of a line is the one that opens the request; the `[time]` is the bracket right before it
 * (a fake `[date]` smuggled into the user name lies further left and is ignored); every quoted field ends at the next
 * unescaped quote. Everything is indexOf and character codes: no regular expression touches the line.
 *
 * Lenient on purpose (CrowdSec accepts the same): the ident column may be missing (`1.2.3.4 - [..]`), referer and user
 * agent may be missing (common), and anything after them is ignored.
 */
import { detachString, normalizeIp, parseIpv4 } from '../core/ip.js'
import type { ParseResult, Parser } from '../core/types.js'
import {
  clientFromXff,
  closeQuote,
  countAt,
  ERROR_LOG_LINE,
  failure,
  httpEvent,
  ipv4String,
  isErrorLogLine,
  isMethodAt,
  methodAt,
  type ParserOptions,
  protocolAt,
  siteAt,
  textAt,
} from './event.js'
import { readClfTime, timeResult } from './time.js'

const fail = (line: string, reason: string): ParseResult => failure(isErrorLogLine(line) ? ERROR_LOG_LINE : reason)

/** Distinct vhost texts remembered (a server has a few thousand at most; hostile text just refills the map). */
const MAX_SITES = 8192
const SITE_SLOTS = 1024
interface SiteEntry {
  /** the vhost column's text (detached) */
  vhost: string
  site: string
}

/** Whether s[p..] starts with `HTTP/`. */
const isHttpAt = (s: string, p: number): boolean =>
  s.charCodeAt(p) === 72 &&
  s.charCodeAt(p + 1) === 84 &&
  s.charCodeAt(p + 2) === 84 &&
  s.charCodeAt(p + 3) === 80 &&
  s.charCodeAt(p + 4) === 47

/** The IPv4 value ipShape found (when it returns 4). */
let shapeV4 = -1

/**
 * What s[from..to) looks like: 4 a strict IPv4, 6 an IPv6 by shape (finish validates fully), 0 neither.
 * Cheap on the usual ident column `-`.
 */
function ipShape(s: string, from: number, to: number): number {
  shapeV4 = parseIpv4(s, from, to)
  if (shapeV4 >= 0) return 4
  if (to - from < 2 || to - from > 64) return 0
  let colons = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c === 58) colons++
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46 || c === 37)) return 0
  }
  return colons >= 2 ? 6 : 0
}

/**
 * One pass over the line by index; the event's strings are sliced straight from it (no scratch record, no
 * request string split again, numbers read by character codes), and the usual method and protocol are constants.
 * The checks and their order are those of `finish` (event.ts), which the compiled formats still use.
 */
export function createClfParser(opts: ParserOptions = {}): Parser {
  const trusted = opts.trustedProxies
  const sites = new Map<string, SiteEntry>()
  const slots: SiteEntry[] = new Array<SiteEntry>(SITE_SLOTS).fill({ vhost: '', site: '' })
  return {
    parse(line: string, site: string): ParseResult {
      const len = line.length
      // the first unescaped quote (Apache escapes a quote in a user name as \"), skipping Apache's `""` for an empty
      // user name: an attacker can produce both with an Authorization header, so both must parse
      // (closeQuote inlined for its usual case, a quote with no backslash before it: calls cost here)
      let q = line.indexOf('"')
      if (q > 0 && line.charCodeAt(q - 1) === 92) q = closeQuote(line, 0)
      if (q >= 0 && line.charCodeAt(q + 1) === 34 && line.charCodeAt(q + 2) === 32 && line.charCodeAt(q + 3) === 91) {
        q = closeQuote(line, q + 2)
      }
      if (q < 0) return fail(line, 'no quoted request')
      // `[time]` directly before the request's quote
      let r = q - 1
      while (r >= 0 && line.charCodeAt(r) === 32) r--
      if (r < 0 || line.charCodeAt(r) !== 93 /* ] */) return fail(line, 'no [time] before the request')
      // (a char loop, not lastIndexOf: that is a slow C++ builtin in V8, and the stamp is ~28 characters)
      let lb = r - 27 // `[dd/Mon/yyyy:HH:MM:SS +zzzz]` is 28 characters
      if (lb < 0 || line.charCodeAt(lb) !== 91 /* [ */) {
        lb = r - 1
        while (lb >= 0 && line.charCodeAt(lb) !== 91) lb--
      }
      if (lb < 0 || readClfTime(line, lb, true) !== r + 1) return fail(line, 'bad timestamp')
      const time = timeResult.ms

      // the columns before [time]: [vhost] client ident user (the user may contain spaces)
      let pe = lb
      while (pe > 0 && line.charCodeAt(pe - 1) === 32) pe--
      if (pe === 0) return fail(line, 'no client address')
      // the first column, read as a dotted quad on the way to its end (the usual case: no indexOf)
      let v4 = -1
      let s0 = -1
      {
        let value = 0
        let octet = 0
        let digits = 0
        let dots = 0
        let lead0 = false
        let i = 0
        for (; i < 16; i++) {
          const c = line.charCodeAt(i)
          if (c >= 48 && c <= 57) {
            if (digits === 0) lead0 = c === 48
            else if (lead0) break
            octet = octet * 10 + (c - 48)
            if (++digits > 3 || octet > 255) break
          } else if (c === 46) {
            if (digits === 0 || ++dots > 3) break
            value = value * 256 + octet
            octet = 0
            digits = 0
          } else {
            if (c === 32 && dots === 3 && digits > 0 && i >= 7) {
              v4 = value * 256 + octet
              s0 = i
            }
            break
          }
        }
      }
      if (s0 < 0) s0 = line.indexOf(' ')
      if (s0 < 0 || s0 > pe) s0 = pe
      let s1: number
      if (s0 < pe && line.charCodeAt(s0 + 1) === 45 && line.charCodeAt(s0 + 2) === 32)
        s1 = s0 + 2 // ident `-`
      else s1 = s0 < pe ? line.indexOf(' ', s0 + 1) : -1
      if (s1 < 0 || s1 > pe) s1 = pe
      let vhostEnd = -1
      let ipStart = 0
      let ipEnd = s0
      let identEnd: number
      // (the usual ident column `-` is too short to be an IP: no call)
      let shape = s0 < pe && s1 - s0 > 2 ? ipShape(line, s0 + 1, s1) : 0
      if (shape !== 0) {
        // vhost_combined: the first column is the vhost, the second the client
        vhostEnd = s0
        ipStart = s0 + 1
        ipEnd = s1
        identEnd = s1 < pe ? line.indexOf(' ', s1 + 1) : pe
        v4 = shapeV4
      } else {
        identEnd = s1
        if (v4 < 0) v4 = parseIpv4(line, 0, s0)
        shape = v4 >= 0 ? 4 : 0
      }
      if (identEnd < 0 || identEnd > pe) identEnd = pe

      // "request"
      let rq = line.indexOf('"', q + 1)
      if (rq > 0 && line.charCodeAt(rq - 1) === 92) rq = closeQuote(line, q + 1)
      if (rq < 0) return fail(line, 'unterminated request')

      // status bytes (read as numbers on the way to their ends; checked below, in finish()'s order)
      let p = rq + 1
      if (line.charCodeAt(p) !== 32) return fail(line, 'no status after the request')
      p++
      let status = -1
      let statusTo: number
      const d0 = line.charCodeAt(p) - 48
      const d1 = line.charCodeAt(p + 1) - 48
      const d2 = line.charCodeAt(p + 2) - 48
      if (d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && line.charCodeAt(p + 3) === 32) {
        status = d0 * 100 + d1 * 10 + d2
        statusTo = p + 3
      } else {
        statusTo = line.indexOf(' ', p)
        if (statusTo < 0) statusTo = len
        if (statusTo === p) return fail(line, 'no status after the request')
        status = countAt(line, p, statusTo)
      }
      p = statusTo + 1
      let bytes = 0
      let bytesTo = p
      for (; bytesTo < len; bytesTo++) {
        const c = line.charCodeAt(bytesTo) - 48
        if (c < 0 || c > 9) break
        bytes = bytes * 10 + c
      }
      if (bytesTo === p || bytesTo - p > 15 || (bytesTo < len && line.charCodeAt(bytesTo) !== 32)) {
        // not plain digits: '-', garbage, or the line ends after the status (p past the end: no bytes)
        bytesTo = line.indexOf(' ', p)
        if (bytesTo < 0) bytesTo = len
        bytes = countAt(line, p, bytesTo)
      }
      p = bytesTo
      let e: number

      // optional "referer" "user agent" "x-forwarded-for"
      let refFrom = 0
      let refTo = 0
      let uaFrom = 0
      let uaTo = 0
      let xffFrom = 0
      let xffTo = 0
      if (line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 34) {
        e = line.indexOf('"', p + 2)
        if (e > 0 && line.charCodeAt(e - 1) === 92) e = closeQuote(line, p + 2)
        refFrom = p + 2
        refTo = e < 0 ? len : e
        p = e < 0 ? len : e + 1
        if (line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 34) {
          e = line.indexOf('"', p + 2)
          if (e > 0 && line.charCodeAt(e - 1) === 92) e = closeQuote(line, p + 2)
          uaFrom = p + 2
          uaTo = e < 0 ? len : e
          p = e < 0 ? len : e + 1
          if (trusted !== undefined && line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 34) {
            e = closeQuote(line, p + 2)
            if (e > 0) {
              xffFrom = p + 2
              xffTo = e
            }
          }
        }
      }

      // what finish() checks, in its order
      if (ipEnd <= ipStart || (ipEnd - ipStart === 1 && line.charCodeAt(ipStart) === 45)) {
        return failure('no client address')
      }
      let ip: string
      // (copies: an IP is kept as a key by the detectors, and a slice would keep the whole chunk it came from)
      if (shape === 4) ip = ipv4String(line, ipStart, ipEnd, v4)
      else {
        const norm = normalizeIp(line.slice(ipStart, ipEnd))
        if (norm === null) return failure('client address is not an IP')
        ip = norm // (not a slice of the line: see normalizeIp)
      }
      if (status < 0 || status > 999) return failure('bad status')
      if (bytes < 0) return failure('bad byte count')
      if (trusted !== undefined && xffTo > xffFrom && !(xffTo - xffFrom === 1 && line.charCodeAt(xffFrom) === 45)) {
        if (trusted.has(ip)) ip = clientFromXff(line.slice(xffFrom, xffTo), ip, trusted)
      }

      // METHOD target [HTTP/x.y]; anything else (raw TLS bytes, `-`) leaves the four fields empty
      let method = ''
      let path = ''
      let query = ''
      let protocol = ''
      const rs = q + 1
      if (rq > rs && !(rq - rs === 1 && line.charCodeAt(rs) === 45)) {
        // the first space ends the method (GET and POST recognised by their characters: startsWith on a sliced
        // string is a slow runtime call)
        let sp1: number
        let known = ''
        const m0 = line.charCodeAt(rs)
        if (
          m0 === 71 &&
          line.charCodeAt(rs + 1) === 69 &&
          line.charCodeAt(rs + 2) === 84 &&
          line.charCodeAt(rs + 3) === 32
        ) {
          sp1 = rs + 3
          known = 'GET'
        } else if (
          m0 === 80 &&
          line.charCodeAt(rs + 1) === 79 &&
          line.charCodeAt(rs + 2) === 83 &&
          line.charCodeAt(rs + 3) === 84 &&
          line.charCodeAt(rs + 4) === 32
        ) {
          sp1 = rs + 4
          known = 'POST'
        } else {
          sp1 = line.indexOf(' ', rs)
          if (sp1 >= rq || !isMethodAt(line, rs, sp1)) sp1 = -1
        }
        if (sp1 >= 0) {
          // the last space before the closing quote: usually the one before `HTTP/1.1`
          let sp2 = rq - 9
          let http = sp2 > sp1 && line.charCodeAt(sp2) === 32 && isHttpAt(line, sp2 + 1)
          if (
            !(
              http &&
              line.charCodeAt(rq - 3) !== 32 &&
              line.charCodeAt(rq - 2) !== 32 &&
              line.charCodeAt(rq - 1) !== 32
            )
          ) {
            sp2 = rq - 1
            while (sp2 > sp1 && line.charCodeAt(sp2) !== 32) sp2--
            http = sp2 !== sp1 && isHttpAt(line, sp2 + 1)
          }
          const targetFrom = sp1 + 1
          const targetTo = sp2 === sp1 ? rq : sp2
          if ((sp2 === sp1 || http) && targetTo > targetFrom) {
            method = known !== '' ? known : methodAt(line, rs, sp1)
            if (sp2 !== sp1) protocol = protocolAt(line, sp2 + 1, rq)
            // '-' as the whole target is absent; a '?' splits path and query (one more leading '?' is dropped)
            const qm = line.indexOf('?', targetFrom)
            if (qm >= 0 && qm < targetTo) {
              path = line.slice(targetFrom, qm)
              query = line.slice(line.charCodeAt(qm + 1) === 63 && qm + 1 < targetTo ? qm + 2 : qm + 1, targetTo)
            } else {
              path = textAt(line, targetFrom, targetTo)
            }
          }
        }
      }

      let vsite = ''
      if (vhostEnd >= 0) {
        // Sites by vhost text. First a slot chosen by the length and five characters, confirmed by one native
        // comparison (indexOf at 0 of a text of that length); then a map (hashing a fresh slice costs ~100 ns).
        const slot =
          (vhostEnd * 31 +
            line.charCodeAt(0) * 7 +
            line.charCodeAt(vhostEnd >> 2) * 11 +
            line.charCodeAt(vhostEnd >> 1) * 13 +
            line.charCodeAt((vhostEnd * 3) >> 2) * 17 +
            (vhostEnd > 0 ? line.charCodeAt(vhostEnd - 1) : 0)) &
          (SITE_SLOTS - 1)
        let entry = slots[slot] as SiteEntry
        if (!(entry.vhost.length === vhostEnd && line.indexOf(entry.vhost) === 0)) {
          const raw = line.slice(0, vhostEnd)
          const known = sites.get(raw)
          if (known !== undefined) entry = known
          else {
            entry = { vhost: detachString(raw), site: detachString(siteAt(line, 0, vhostEnd)) }
            if (sites.size >= MAX_SITES) sites.clear()
            sites.set(entry.vhost, entry)
          }
          slots[slot] = entry
        }
        vsite = entry.site
      }

      return httpEvent(
        time,
        ip,
        vsite === '' ? site : vsite,
        method,
        path,
        query,
        protocol,
        status,
        bytes,
        textAt(line, refFrom, refTo),
        textAt(line, uaFrom, uaTo),
        identEnd < pe ? detachString(textAt(line, identEnd + 1, pe)) : '',
      )
    },
  }
}
