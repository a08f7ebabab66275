/**
 * The Common Log Format family, hand-tokenized: Apache `common`, `combined`, `vhost_combined` (`%v:%p %h ...`, with
 * or without the port) and nginx's default `combined` / `main` (with a trailing `"$http_x_forwarded_for"`).
 *
 *   [vhost[:port]] client ident user [time] "request" status bytes ["referer" "user agent" ["x-forwarded-for"] ...]
 *
 * How it stays correct on hostile lines: both servers escape `"` inside logged values (Apache `\"`, nginx `\x22`), so
 * the first unescaped quote of a line is the one that opens the request; the `[time]` is the bracket right before it
 * (a fake `[date]` smuggled into the user name lies further left and is ignored); every quoted field ends at the next
 * unescaped quote. No regular expression touches the line: a WebAssembly tokenizer (clf-tokenizer/) finds the fields
 * and reads the numbers; this module makes the strings and the event.
 *
 * Lenient on purpose (CrowdSec accepts the same): the ident column may be missing (`1.2.3.4 - [..]`), referer and user
 * agent may be missing (common), and anything after them is ignored.
 */
import { detachString, normalizeIp } from '../core/ip.js'
import type { LineBatch, ParseResult, Parser } from '../core/types.js'
import {
  BAD_TIME,
  BYTES,
  HIT,
  IDENT_TO,
  IP_FROM,
  IP_SLOT,
  IP_TO,
  METHOD,
  METHOD_FROM,
  METHOD_TO,
  NO_CLIENT,
  NO_CLIENT_ADDRESS,
  NO_REQUEST,
  NO_STATUS,
  NO_TIME,
  OK,
  PATH_FROM,
  PATH_TO,
  PROTO_FROM,
  PROTO_TO,
  QUERY_FROM,
  QUERY_TO,
  REF_FROM,
  REF_TO,
  SHAPE,
  STATUS,
  TABLE_SLOTS,
  TIME,
  UA_FROM,
  UA_TO,
  UNTERMINATED,
  USER_TO,
  V4,
  VHOST_SLOT,
  VHOST_TO,
  XFF_FROM,
  XFF_TO,
} from './clf-tokenizer/slots.js'
import { clfTokenizer } from './clf-tokenizer/tokenizer.js'
import {
  clientFromXff,
  ERROR_LOG_LINE,
  failure,
  httpEvent,
  ipv4String,
  isErrorLogLine,
  methodAt,
  type ParserOptions,
  protocolAt,
  siteAt,
  textAt,
} from './event.js'

/**
 * What was made of the texts in the tokenizer's tables, by slot: a client that is not a dotted quad, normalised (null:
 * not an IP), and the site of a vhost column. Shared like the tokenizer (every parser's lines go through its tables);
 * a slot is filled every time the tokenizer reports it without HIT, so the two always agree.
 */
const ipOfSlot: (string | null)[] = new Array<string | null>(TABLE_SLOTS).fill(null)
const siteOfSlot: string[] = new Array<string>(TABLE_SLOTS).fill('')

/** The tokenizer's answers in words; all but NO_CLIENT_ADDRESS give way to 'error-log line' for such a line. */
const REASONS: Record<number, string> = {
  [NO_REQUEST]: 'no quoted request',
  [NO_TIME]: 'no [time] before the request',
  [BAD_TIME]: 'bad timestamp',
  [NO_CLIENT]: 'no client address',
  [UNTERMINATED]: 'unterminated request',
  [NO_STATUS]: 'no status after the request',
  [NO_CLIENT_ADDRESS]: 'no client address',
}

export function createClfParser(opts: ParserOptions = {}): Parser {
  const trusted = opts.trustedProxies
  const xff = trusted !== undefined
  const tok = clfTokenizer()

  /** The event of a tokenized line (`code` from the tokenizer), in finish()'s order of checks. */
  const build = (line: string, site: string, code: number): ParseResult => {
    if (code !== OK) {
      return code !== NO_CLIENT_ADDRESS && isErrorLogLine(line)
        ? failure(ERROR_LOG_LINE)
        : failure(REASONS[code] as string)
    }
    const r = tok.i32
    const f = tok.f64
    const ipFrom = r[IP_FROM] as number
    const ipTo = r[IP_TO] as number
    // the site first: a slot the tokenizer reports must be filled whatever becomes of the line
    let vsite = ''
    const vhostTo = r[VHOST_TO] as number
    if (vhostTo >= 0) {
      const slot = r[VHOST_SLOT] as number
      if (slot >= HIT) vsite = siteOfSlot[slot - HIT] as string
      else {
        vsite = detachString(siteAt(line, 0, vhostTo))
        if (slot >= 0) siteOfSlot[slot] = vsite
      }
    }
    let ip: string
    // (copies: an IP is kept as a key by the detectors, and a slice would keep the whole chunk it came from)
    if (r[SHAPE] === 4) ip = ipv4String(line, ipFrom, ipTo, f[V4] as number)
    else {
      const slot = r[IP_SLOT] as number
      let norm: string | null
      if (slot >= HIT) norm = ipOfSlot[slot - HIT] as string | null
      else {
        norm = normalizeIp(line.slice(ipFrom, ipTo)) // (not a slice of the line: see normalizeIp)
        if (slot >= 0) ipOfSlot[slot] = norm
      }
      if (norm === null) return failure('client address is not an IP')
      ip = norm
    }
    const status = r[STATUS] as number
    if (status < 0) return failure('bad status')
    const bytes = f[BYTES] as number
    if (bytes < 0) return failure('bad byte count')
    if (xff) {
      const xffFrom = r[XFF_FROM] as number
      const xffTo = r[XFF_TO] as number
      if (xffTo > xffFrom && !(xffTo - xffFrom === 1 && line.charCodeAt(xffFrom) === 45) && trusted.has(ip)) {
        ip = clientFromXff(line.slice(xffFrom, xffTo), ip, trusted)
      }
    }

    let method = ''
    let path = ''
    let query = ''
    let protocol = ''
    const m = r[METHOD] as number
    if (m !== 0) {
      method = m === 1 ? 'GET' : m === 2 ? 'POST' : methodAt(line, r[METHOD_FROM] as number, r[METHOD_TO] as number)
      const protoFrom = r[PROTO_FROM] as number
      if (protoFrom >= 0) protocol = protocolAt(line, protoFrom, r[PROTO_TO] as number)
      const queryFrom = r[QUERY_FROM] as number
      // '-' as the whole target is absent; a '?' splits path and query
      if (queryFrom >= 0) {
        path = line.slice(r[PATH_FROM] as number, r[PATH_TO] as number)
        query = line.slice(queryFrom, r[QUERY_TO] as number)
      } else path = textAt(line, r[PATH_FROM] as number, r[PATH_TO] as number)
    }

    const identTo = r[IDENT_TO] as number
    const userTo = r[USER_TO] as number
    return httpEvent(
      f[TIME] as number,
      ip,
      vsite === '' ? site : vsite,
      method,
      path,
      query,
      protocol,
      status,
      bytes,
      textAt(line, r[REF_FROM] as number, r[REF_TO] as number),
      textAt(line, r[UA_FROM] as number, r[UA_TO] as number),
      identTo < userTo ? detachString(textAt(line, identTo + 1, userTo)) : '',
    )
  }

  return {
    parse(line: string, site: string): ParseResult {
      return build(line, site, tok.tokenizeLine(line, xff))
    },
    parseBatch(batch: LineBatch, site: string, out: ParseResult[]): void {
      const lines = batch.lines
      const raw = batch.raw
      if (raw === null) {
        for (let i = 0; i < lines.length; i++) out.push(this.parse(lines[i] as string, site))
        return
      }
      tok.loadBatch(raw)
      const starts = raw.starts
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string
        const at = starts[i] as number
        // (an indexed append: optimized code inlines it, where out.push calls the generic builtin every line)
        out[out.length] = build(
          line,
          site,
          at >= 0 ? tok.tokenizeAt(at, line.length, xff) : tok.tokenizeLine(line, xff),
        )
      }
    },
  }
}
