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
import { parseIpv4 } from '../core/ip.js'
import type { ParseResult, Parser } from '../core/types.js'
import { closeQuote, ERROR_LOG_LINE, failure, finish, isErrorLogLine, newScratch, type ParserOptions } from './event.js'
import { readClfTime, timeResult } from './time.js'

const fail = (line: string, reason: string): ParseResult => failure(isErrorLogLine(line) ? ERROR_LOG_LINE : reason)

/** Whether s[from..to) looks like an IP (cheap: IPv4 strictly, IPv6 by shape; finish() validates fully). */
function looksLikeIp(s: string, from: number, to: number): boolean {
  if (parseIpv4(s, from, to) >= 0) return true
  if (to - from < 2 || to - from > 64) return false
  let colons = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c === 58) colons++
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46 || c === 37))
      return false
  }
  return colons >= 2
}

export function createClfParser(opts: ParserOptions = {}): Parser {
  return {
    parse(line: string, site: string): ParseResult {
      // a fresh (young) scratch per line: storing new strings into a long-lived object costs a write barrier each
      const f = newScratch()
      // the first unescaped quote (Apache escapes a quote in a user name as \"), skipping Apache's `""` for an empty
      // user name: an attacker can produce both with an Authorization header, so both must parse
      let q = closeQuote(line, 0)
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
      f.time = timeResult.ms

      // the columns before [time]: [vhost] client ident user (the user may contain spaces)
      let pe = lb
      while (pe > 0 && line.charCodeAt(pe - 1) === 32) pe--
      if (pe === 0) return fail(line, 'no client address')
      let s0 = line.indexOf(' ')
      if (s0 < 0 || s0 > pe) s0 = pe
      let s1 = s0 < pe ? line.indexOf(' ', s0 + 1) : -1
      if (s1 < 0 || s1 > pe) s1 = pe
      let identEnd: number
      if (s0 < pe && looksLikeIp(line, s0 + 1, s1)) {
        // vhost_combined: the first column is the vhost, the second the client
        f.vhost = line.slice(0, s0)
        f.ip = line.slice(s0 + 1, s1)
        identEnd = s1 < pe ? line.indexOf(' ', s1 + 1) : pe
      } else {
        f.ip = line.slice(0, s0)
        identEnd = s1
      }
      if (identEnd < 0 || identEnd > pe) identEnd = pe
      if (identEnd < pe) f.user = line.slice(identEnd + 1, pe)

      // "request"
      const rq = closeQuote(line, q + 1)
      if (rq < 0) return fail(line, 'unterminated request')
      f.request = line.slice(q + 1, rq)

      // status bytes
      let p = rq + 1
      if (line.charCodeAt(p) !== 32) return fail(line, 'no status after the request')
      p++
      let e = line.indexOf(' ', p)
      if (e < 0) e = line.length
      if (e === p) return fail(line, 'no status after the request')
      f.status = line.slice(p, e)
      p = e + 1
      e = line.indexOf(' ', p)
      if (e < 0) e = line.length
      f.bytes = line.slice(p, e)
      p = e

      // optional "referer" "user agent" "x-forwarded-for"
      if (line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 34) {
        e = closeQuote(line, p + 2)
        f.referer = line.slice(p + 2, e < 0 ? line.length : e)
        p = e < 0 ? line.length : e + 1
        if (line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 34) {
          e = closeQuote(line, p + 2)
          f.userAgent = line.slice(p + 2, e < 0 ? line.length : e)
          p = e < 0 ? line.length : e + 1
          if (opts.trustedProxies !== undefined && line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 34) {
            e = closeQuote(line, p + 2)
            if (e > 0) f.xff = line.slice(p + 2, e)
          }
        }
      }
      return finish(f, site, opts)
    },
  }
}
