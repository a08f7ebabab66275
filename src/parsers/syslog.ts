/**
 * Access lines wrapped in a syslog header: nginx `access_log syslog:server=...`, rsyslog/syslog-ng files.
 * RFC 3164 (`<190>Jun  8 08:04:43 host nginx[12]: ...`, PRI and host optional, an ISO stamp instead of the BSD one
 * accepted) and RFC 5424 (`<190>1 2020-06-08T08:04:43Z host nginx - - - ...`, structured data skipped).
 * The header's time is ignored: the access line carries its own, with its zone.
 */
import type { LineBatch, ParseResult, Parser } from '../core/types.js'
import { ERROR_LOG_LINE, failure, isErrorLogLine } from './event.js'
import { monthAt, readIsoTime } from './time.js'

const isDigit = (c: number): boolean => c >= 48 && c <= 57

/** Index where the syslog message starts, or -1 when the line has no syslog header. */
export function syslogMessageStart(s: string): number {
  let p = 0
  if (s.charCodeAt(0) === 60 /* < */) {
    let e = 1
    while (e < 5 && isDigit(s.charCodeAt(e))) e++
    if (e === 1 || s.charCodeAt(e) !== 62 /* > */) return -1
    p = e + 1
    if (s.charCodeAt(p) === 49 && s.charCodeAt(p + 1) === 32) return rfc5424Message(s, p + 2)
  }
  if (monthAt(s, p) > 0 && s.charCodeAt(p + 3) === 32) {
    p += 4
    if (s.charCodeAt(p) === 32) p++
    if (!isDigit(s.charCodeAt(p))) return -1
    p += isDigit(s.charCodeAt(p + 1)) ? 2 : 1
    if (s.charCodeAt(p) !== 32) return -1
    p++
    for (let i = 0; i < 8; i++) {
      const c = s.charCodeAt(p + i)
      if (i === 2 || i === 5 ? c !== 58 : !isDigit(c)) return -1
    }
    p += 8
  } else {
    const e = readIsoTime(s, p)
    if (e < 0) return -1
    p = e
  }
  if (s.charCodeAt(p) !== 32) return -1
  p++
  // [host] tag: — the tag is the first word that ends with ':'
  for (let words = 0; words < 2; words++) {
    const sp = s.indexOf(' ', p)
    if (sp < 0) return -1
    if (s.charCodeAt(sp - 1) === 58 /* : */ && sp - 1 > p) return sp + 1
    p = sp + 1
  }
  return -1
}

function rfc5424Message(s: string, from: number): number {
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
  let p = from
  for (let i = 0; i < 5; i++) {
    const sp = s.indexOf(' ', p)
    if (sp < 0) return -1
    p = sp + 1
  }
  // STRUCTURED-DATA: '-' or one or more [id k="v" ...] (']' and '"' escaped with '\' inside values)
  if (s.charCodeAt(p) === 45 /* - */) {
    p++
  } else {
    if (s.charCodeAt(p) !== 91) return -1
    while (s.charCodeAt(p) === 91) {
      let i = p + 1
      let inQuote = false
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (c === 92) i++
        else if (c === 34) inQuote = !inQuote
        else if (c === 93 && !inQuote) break
      }
      if (i >= s.length) return -1
      p = i + 1
    }
  }
  if (p === s.length) return p
  if (s.charCodeAt(p) !== 32) return -1
  p++
  if (s.charCodeAt(p) === 0xfeff) p++ // BOM before a UTF-8 MSG
  return p
}

/** A parser for syslog-wrapped lines; the message goes to `inner` (chosen per line: JSON when it starts with '{'). */
export function createSyslogParser(clf: Parser, json: Parser): Parser {
  return {
    parse(line: string, site: string): ParseResult {
      const start = syslogMessageStart(line)
      if (start < 0) return failure('no syslog header')
      if (isErrorLogLine(line, start)) return failure(ERROR_LOG_LINE)
      const msg = line.slice(start)
      return msg.charCodeAt(0) === 123 ? json.parse(msg, site) : clf.parse(msg, site)
    },
    parseBatch(batch: LineBatch, site: string, out: ParseResult[]): void {
      const lines = batch.lines
      const raw = batch.raw
      if (raw === null || clf.parseBatch === undefined) {
        for (let i = 0; i < lines.length; i++) out.push(this.parse(lines[i] as string, site))
        return
      }
      // the access-log messages go to the CLF parser as a batch of their own: the same bytes, each line's start
      // moved past its header (pure parsers: the order they are read in changes nothing)
      const msgs: string[] = []
      const starts: number[] = []
      const slots: number[] = []
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string
        const start = syslogMessageStart(line)
        if (start < 0) out.push(failure('no syslog header'))
        else if (isErrorLogLine(line, start)) out.push(failure(ERROR_LOG_LINE))
        else if (line.charCodeAt(start) === 123) out.push(json.parse(line.slice(start), site))
        else {
          slots.push(out.length)
          out.push(PENDING)
          msgs.push(line.slice(start))
          const at = raw.starts[i] as number
          starts.push(at >= 0 ? at + start : -1)
        }
      }
      if (msgs.length === 0) return
      const parsed: ParseResult[] = []
      clf.parseBatch({ ...batch, lines: msgs, raw: { bytes: raw.bytes, starts } }, site, parsed)
      for (let k = 0; k < slots.length; k++) out[slots[k] as number] = parsed[k] as ParseResult
    },
  }
}

/** a result slot the CLF batch fills in */
const PENDING: ParseResult = { error: 'pending' }
