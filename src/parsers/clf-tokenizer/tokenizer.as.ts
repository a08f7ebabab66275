/**
 * The Common Log Format tokenizer, in AssemblyScript (compiled to WebAssembly by `npm run build:wasm`).
 *
 * Why WebAssembly: reading a line character by character costs V8 ~4 ns a character on a sliced string; here a
 * byte costs a fraction of that and the quote searches run 16 bytes at a time (SIMD). It only finds where the
 * fields are and reads the numbers (time, status, bytes, IPv4); clf.ts makes the strings and the event, and owns
 * every decision that needs a string (IPv6 normalisation, X-Forwarded-For, the site). The checks, their order and
 * the failure reasons are those of the JavaScript tokenizer it replaced, which the parser tests pin down. The tables
 * of texts seen (see intern) live here too, so that a repeated client or vhost costs a hash and a compare.
 *
 * Memory: the result record at RESULT, the tables, the line anywhere after INPUT (tokenizer.ts copies it there),
 * and right after the line a byte that no check looks for: its '\r' or '\n' in a batch, a '\n' written after a
 * single line. Reads are not bounds-checked (that cost more than all the rest): every chain of checks starts inside
 * the line or at that byte and stops there, the SIMD search never reports a byte past the line, and a read before
 * the line only happens behind a check that the position is in it. So the bytes around a line never change what is
 * made of it (the tests parse each line alone and amid hostile neighbours and compare).
 */

import {
  BAD_TIME,
  BYTES,
  EXACT,
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
  NO_TAIL,
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
  XFF,
  XFF_FROM,
  XFF_TO,
} from './slots' // (AssemblyScript resolves no '.js')

export const RESULT: usize = 0
/** two tables of texts seen (see intern), TABLE_SLOTS entries of 64 bytes: a length, then up to 60 bytes */
const IP_TABLE: usize = 1024
const VHOST_TABLE: usize = IP_TABLE + (<usize>TABLE_SLOTS << 6)
/** the scan pass's own table of clients (scan.as.ts): clf-batches.ts keeps what it made of each slot */
export const SCAN_IP_TABLE: usize = VHOST_TABLE + (<usize>TABLE_SLOTS << 6)
/** the scan pass's table of paths, each with what its prefilter said of it (scan.as.ts) */
export const SCAN_PATH_TABLE: usize = SCAN_IP_TABLE + (<usize>TABLE_SLOTS << 6)
export const INPUT: usize = SCAN_PATH_TABLE + (<usize>TABLE_SLOTS << 6)

let E: i32 = 0 // just past the line's last byte

@inline function at(p: i32): i32 {
  return <i32>load<u8>(<usize>p)
}
@inline function put(slot: i32, v: i32): void {
  store<i32>(RESULT + (<usize>slot << 2), v)
}
@inline function putF(slot: i32, v: f64): void {
  store<f64>(RESULT + (<usize>slot << 3), v)
}

/** The first `c` in [from, E), or -1. */
@inline function find(from: i32, c: i32): i32 {
  return findIn(from, E, c)
}

/** The first `c` in [from, to), or -1 (16 bytes a step; the bytes read past `to` are never reported). */
export function findIn(from: i32, to: i32, c: i32): i32 {
  const needle = i8x16.splat(<i8>c)
  let i = from
  while (i < to) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(<usize>i), needle))
    if (m != 0) {
      const j = i + ctz(m)
      return j < to ? j : -1
    }
    i += 16
  }
  return -1
}

/**
 * The slot of the text [from, to) in a table of texts seen before (direct-mapped by an FNV-1a hash): `slot | HIT`
 * when the slot holds this text, else the slot, which now holds it; -1 for a text that is empty or over 60 bytes.
 * clf.ts keeps what it made of each slot's text (the IP normalised, the site), so a text seen again costs a hash
 * and a comparison here instead of a string hash and a map lookup there.
 */
export function intern(table: usize, from: i32, to: i32): i32 {
  const n = to - from
  if (n < 1 || n > 60) return -1
  const slot = slotOf(from, to)
  const e = table + (<usize>slot << 6)
  if (<i32>load<u8>(e) == n && sameText(e + 4, from, n)) return slot | HIT
  store<u8>(e, <u8>n)
  memory.copy(e + 4, <usize>from, <usize>n)
  return slot
}

/** A table slot for the text [from, to): FNV-1a over 8 bytes at a time (the last word masked), mixed down. */
export function slotOf(from: i32, to: i32): i32 {
  let h: u64 = 0xcbf29ce484222325
  let i = from
  for (; i + 8 <= to; i += 8) h = (h ^ load<u64>(<usize>i)) * 0x100000001b3
  if (i < to) h = (h ^ (load<u64>(<usize>i) & ((<u64>1 << (<u64>(to - i) << 3)) - 1))) * 0x100000001b3
  h ^= h >> 32
  h *= 0xff51afd7ed558ccd
  h ^= h >> 29
  return <i32>(h & (TABLE_SLOTS - 1))
}

/** The `n` bytes at `e` are those at `from` (16 at a time). */
export function sameText(e: usize, from: i32, n: i32): bool {
  for (let k = 0; k < n; k += 16) {
    const rest = n - k
    const want = rest >= 16 ? 0xffff : (1 << rest) - 1
    const m = i8x16.bitmask(i8x16.eq(v128.load(e + <usize>k), v128.load(<usize>(from + k))))
    if ((m & want) != want) return false
  }
  return true
}

/** The quote closing a field that starts at `from`: the next `"` not escaped by an odd run of backslashes. */
function closeQuote(from: i32): i32 {
  let i = find(from, 34)
  while (i >= 0) {
    let b = i - 1
    while (b >= from && at(b) == 92) b--
    if (((i - 1 - b) & 1) == 0) return i
    i = find(i + 1, 34)
  }
  return -1
}

/** A strict dotted quad in [from, to) as a number, or -1 (what ip.ts's parseIpv4 says): octet by octet. */
function parseIpv4(from: i32, to: i32): f64 {
  const len = to - from
  if (len < 7 || len > 15) return -1
  let value: u32 = 0
  let p = from
  for (let k = 0; k < 4; k++) {
    if (p >= to) return -1
    const c0 = at(p) - 48
    if (<u32>c0 > 9) return -1
    let octet = c0
    let q = p + 1
    // (no leading zero: after a 0 comes the dot or the end)
    if (c0 != 0 && q < to) {
      const c1 = at(q) - 48
      if (<u32>c1 <= 9) {
        octet = octet * 10 + c1
        q++
        if (q < to) {
          const c2 = at(q) - 48
          if (<u32>c2 <= 9) {
            octet = octet * 10 + c2
            q++
          }
        }
      }
    }
    if (octet > 255) return -1
    value = (value << 8) | <u32>octet
    if (k < 3) {
      if (q >= to || at(q) != 46) return -1
      p = q + 1
    } else if (q != to) return -1
  }
  return <f64>value
}

let shapeV4: f64 = -1
/** 4 a strict IPv4 (in shapeV4), 6 an IPv6 by shape, 0 neither. */
function ipShape(from: i32, to: i32): i32 {
  shapeV4 = parseIpv4(from, to)
  if (shapeV4 >= 0) return 4
  if (to - from < 2 || to - from > 64) return 0
  let colons = 0
  for (let i = from; i < to; i++) {
    const c = at(i)
    if (c == 58) colons++
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c == 46 || c == 37)) return 0
  }
  return colons >= 2 ? 6 : 0
}

/** A decimal count in [from, to): '-' and '' are 0, over 15 digits or a non-digit -1 (event.ts's countAt). */
function countAt(from: i32, to: i32): f64 {
  const n = to - from
  if (n <= 0) return 0
  if (n == 1 && at(from) == 45) return 0
  if (n > 15) return -1
  let v: f64 = 0
  for (let i = from; i < to; i++) {
    const c = at(i) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + <f64>c
  }
  return v
}

// ---- time (time.ts's readClfTime, without its cache) ----

function digits(p: i32, n: i32): i32 {
  let v = 0
  for (let i = 0; i < n; i++) {
    const c = at(p + i) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}

function monthAt(p: i32): i32 {
  const a = at(p) & ~32
  const b = at(p + 1) | 32
  const c = at(p + 2) | 32
  switch (a) {
    case 74:
      if (b == 97 && c == 110) return 1
      if (b == 117 && c == 110) return 6
      if (b == 117 && c == 108) return 7
      return 0
    case 70:
      return b == 101 && c == 98 ? 2 : 0
    case 77:
      if (b == 97 && c == 114) return 3
      if (b == 97 && c == 121) return 5
      return 0
    case 65:
      if (b == 112 && c == 114) return 4
      if (b == 117 && c == 103) return 8
      return 0
    case 83:
      return b == 101 && c == 112 ? 9 : 0
    case 79:
      return b == 99 && c == 116 ? 10 : 0
    case 78:
      return b == 111 && c == 118 ? 11 : 0
    case 68:
      return b == 101 && c == 99 ? 12 : 0
    default:
      return 0
  }
}

/** Days from 1970-01-01 to y-m-d; a day past the month's end runs on into the next month, as Date.UTC does. */
function daysFromCivil(year: i32, m: i32, d: i32): i64 {
  const y: i64 = <i64>(m <= 2 ? year - 1 : year)
  const era: i64 = y / 400 // y >= 1969 here
  const yoe: i64 = y - era * 400
  const mp: i64 = <i64>(m > 2 ? m - 3 : m + 9)
  const doy: i64 = (153 * mp + 2) / 5 + <i64>d - 1
  const doe: i64 = yoe * 365 + yoe / 4 - yoe / 100 + doy
  return era * 146097 + doe - 719468
}

let fracMs: i32 = 0
function readFraction(p: i32): i32 {
  fracMs = 0
  const c0 = at(p)
  if (c0 != 46 && c0 != 44) return p
  let i = p + 1
  let ms = 0
  while (i < E) {
    const c = at(i) - 48
    if (c < 0 || c > 9) break
    const k = i - p - 1
    if (k == 0) ms += c * 100
    else if (k == 1) ms += c * 10
    else if (k == 2) ms += c
    i++
  }
  if (i == p + 1) return -1
  fracMs = ms
  return i
}

let zoneMin: i32 = 0
function readZone(p: i32): i32 {
  const c = at(p)
  if (c == 90) {
    zoneMin = 0
    return p + 1
  }
  if (c != 43 && c != 45) return -1
  const hh = digits(p + 1, 2)
  if (hh < 0) return -1
  let q = p + 3
  if (at(q) == 58) q++
  const mm = digits(q, 2)
  if (mm < 0 || hh > 23 || mm > 59) return -1
  zoneMin = (hh * 60 + mm) * (c == 45 ? -1 : 1)
  return q + 2
}

let timeMs: f64 = 0
/** the last stamp read in the usual 26-byte form (`dd/Mon/yyyy:HH:MM:SS +zzzz`), at STAMP, and its time */
const STAMP: usize = 512
let haveStamp = false
let stampMs: f64 = 0

/** `[dd/Mon/yyyy:HH:MM:SS[.fff] [zone]]` at p; the index past `]`, or -1. */
function readClfTime(pos: i32): i32 {
  if (at(pos) != 91) return -1
  let p = pos + 1
  // lines come many per second: the same 26 bytes as the last stamp are the same time
  if (
    haveStamp &&
    at(p + 26) == 93 &&
    i8x16.all_true(i8x16.eq(v128.load(<usize>p), v128.load(STAMP))) &&
    load<u64>(<usize>p + 16) == load<u64>(STAMP + 16) &&
    load<u16>(<usize>p + 24) == load<u16>(STAMP + 24)
  ) {
    timeMs = stampMs
    return p + 27
  }
  const start = p
  const d = digits(p, 2)
  if (d < 0 || at(p + 2) != 47) return -1
  const m = monthAt(p + 3)
  if (m == 0 || at(p + 6) != 47) return -1
  const y = digits(p + 7, 4)
  if (y < 0 || at(p + 11) != 58) return -1
  const hh = digits(p + 12, 2)
  const mi = digits(p + 15, 2)
  const ss = digits(p + 18, 2)
  if (hh < 0 || mi < 0 || ss < 0 || at(p + 14) != 58 || at(p + 17) != 58) return -1
  if (!(y >= 1970 && y <= 9999 && d >= 1 && d <= 31 && hh <= 23 && mi <= 59 && ss <= 60)) return -1
  p = readFraction(p + 20)
  if (p < 0) return -1
  let zone = 0
  if (at(p) == 32) {
    const z = readZone(p + 1)
    if (z >= 0) {
      zone = zoneMin
      p = z
    } else {
      p++ // `[31/Jan/2015:14:29:44 ]`: an empty zone
    }
  }
  if (at(p) != 93) return -1
  const minute: i64 = daysFromCivil(y, m, d) * 1440 + <i64>(hh * 60 + mi - zone)
  timeMs = <f64>(minute * 60000 + <i64>(ss * 1000 + fracMs))
  if (p - start == 26 && at(start + 20) == 32) {
    v128.store(STAMP, v128.load(<usize>start))
    store<u64>(STAMP + 16, load<u64>(<usize>start + 16))
    store<u16>(STAMP + 24, load<u16>(<usize>start + 24))
    stampMs = timeMs
    haveStamp = true
  }
  return p + 1
}

@inline function isMethodByte(c: i32): bool {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 45
}

@inline function isHttpAt(p: i32): bool {
  return at(p) == 72 && at(p + 1) == 84 && at(p + 2) == 84 && at(p + 3) == 80 && at(p + 4) == 47
}

/** Tokenizes the line at [o, o + len): OK with the result record filled, or a failure code. */
export function tokenize(o: i32, len: i32, flags: i32): i32 {
  const xff = (flags & XFF) != 0
  const exact = (flags & EXACT) != 0
  E = o + len
  // the first unescaped quote, skipping Apache's `""` for an empty user name
  let q = find(o, 34)
  if (q > o && at(q - 1) == 92) q = closeQuote(o)
  if (q >= 0 && at(q + 1) == 34 && at(q + 2) == 32 && at(q + 3) == 91) q = closeQuote(q + 2)
  if (q < 0) return NO_REQUEST
  // `[time]` right before the request's quote
  let r = q - 1
  while (r >= o && at(r) == 32) r--
  if (r < o || at(r) != 93) return NO_TIME
  let lb = r - 27
  if (lb < o || at(lb) != 91) {
    lb = r - 1
    while (lb >= o && at(lb) != 91) lb--
  }
  if (lb < o || readClfTime(lb) != r + 1) return BAD_TIME
  putF(TIME, timeMs)

  // the columns before [time]: [vhost] client ident user (the user may contain spaces)
  let pe = lb
  while (pe > o && at(pe - 1) == 32) pe--
  if (pe == o) return NO_CLIENT
  // the first column, read as a dotted quad on the way to its end (the usual case: one pass)
  let s0 = -1
  let first: f64 = -1
  {
    // four octets of 1-3 digits (no leading zero), dots between, a space after
    let value: u32 = 0
    let p = o
    let k = 0
    for (; k < 4; k++) {
      const c0 = at(p) - 48
      if (<u32>c0 > 9) break
      let octet = c0
      let q = p + 1
      if (c0 != 0) {
        const c1 = at(q) - 48
        if (<u32>c1 <= 9) {
          octet = octet * 10 + c1
          q++
          const c2 = at(q) - 48
          if (<u32>c2 <= 9) {
            octet = octet * 10 + c2
            q++
          }
        }
      }
      if (octet > 255) break
      value = (value << 8) | <u32>octet
      const sep = at(q)
      if (k < 3 ? sep != 46 : sep != 32) break
      p = q + 1
    }
    if (k == 4) {
      first = <f64>value
      s0 = p - 1
    }
  }
  if (s0 < 0) s0 = find(o, 32)
  if (s0 < 0 || s0 > pe) s0 = pe
  let s1: i32
  if (s0 < pe && at(s0 + 1) == 45 && at(s0 + 2) == 32) s1 = s0 + 2
  else s1 = s0 < pe ? find(s0 + 1, 32) : -1
  if (s1 < 0 || s1 > pe) s1 = pe
  let vhostEnd = -1
  let ipStart = o
  let ipEnd = s0
  let identEnd: i32
  let v4: f64 = -1
  let shape = s0 < pe && s1 - s0 > 2 ? ipShape(s0 + 1, s1) : 0
  if (shape != 0) {
    vhostEnd = s0
    ipStart = s0 + 1
    ipEnd = s1
    identEnd = s1 < pe ? find(s1 + 1, 32) : pe
    v4 = shapeV4
  } else {
    identEnd = s1
    v4 = first >= 0 ? first : parseIpv4(o, s0)
    shape = v4 >= 0 ? 4 : 0
  }
  if (identEnd < 0 || identEnd > pe) identEnd = pe

  // "request"
  let rq = find(q + 1, 34)
  if (rq > o && at(rq - 1) == 92) rq = closeQuote(q + 1)
  if (rq < 0) return UNTERMINATED

  // status bytes
  let p = rq + 1
  if (at(p) != 32) return NO_STATUS
  p++
  // (read as numbers on the way to their ends; the byte after the line is no digit)
  let status: f64
  let statusTo: i32
  const d0 = at(p) - 48
  const d1 = at(p + 1) - 48
  const d2 = at(p + 2) - 48
  if (<u32>d0 <= 9 && <u32>d1 <= 9 && <u32>d2 <= 9 && at(p + 3) == 32) {
    status = <f64>(d0 * 100 + d1 * 10 + d2)
    statusTo = p + 3
  } else {
    statusTo = find(p, 32)
    if (statusTo < 0) statusTo = E
    if (statusTo == p) return NO_STATUS
    status = countAt(p, statusTo)
  }
  p = statusTo + 1
  let bytes: f64 = 0
  let bytesTo = p
  for (; bytesTo < E; bytesTo++) {
    const c = at(bytesTo) - 48
    if (<u32>c > 9) break
    bytes = bytes * 10 + <f64>c
  }
  if (bytesTo == p || bytesTo - p > 15 || (bytesTo < E && at(bytesTo) != 32)) {
    bytesTo = find(p, 32)
    if (bytesTo < 0) bytesTo = E
    bytes = countAt(p, bytesTo)
  }
  p = bytesTo

  // optional "referer" "user agent" "x-forwarded-for"
  let refFrom = o
  let refTo = o
  let uaFrom = o
  let uaTo = o
  let xffFrom = o
  let xffTo = o
  if ((flags & NO_TAIL) == 0 && at(p) == 32 && at(p + 1) == 34) {
    let e = find(p + 2, 34)
    if (e > o && at(e - 1) == 92) e = closeQuote(p + 2)
    refFrom = p + 2
    refTo = e < 0 ? E : e
    p = e < 0 ? E : e + 1
    if (at(p) == 32 && at(p + 1) == 34) {
      e = find(p + 2, 34)
      if (e > o && at(e - 1) == 92) e = closeQuote(p + 2)
      uaFrom = p + 2
      uaTo = e < 0 ? E : e
      p = e < 0 ? E : e + 1
      if (xff && at(p) == 32 && at(p + 1) == 34) {
        e = closeQuote(p + 2)
        if (e > o) {
          xffFrom = p + 2
          xffTo = e
        }
      }
    }
  }
  if (ipEnd <= ipStart || (ipEnd - ipStart == 1 && at(ipStart) == 45)) return NO_CLIENT_ADDRESS

  // METHOD target [HTTP/x.y]
  let method = 0
  let sp1 = -1
  let protoFrom = -1
  let pathFrom = 0
  let pathTo = 0
  let queryFrom = -1
  let queryTo = 0
  const rs = q + 1
  if (rq > rs && !(rq - rs == 1 && at(rs) == 45)) {
    let known = 0
    const m0 = at(rs)
    if (m0 == 71 && at(rs + 1) == 69 && at(rs + 2) == 84 && at(rs + 3) == 32) {
      sp1 = rs + 3
      known = 1
    } else if (m0 == 80 && at(rs + 1) == 79 && at(rs + 2) == 83 && at(rs + 3) == 84 && at(rs + 4) == 32) {
      sp1 = rs + 4
      known = 2
    } else {
      sp1 = find(rs, 32)
      if (sp1 >= rq || sp1 - rs < 1 || sp1 - rs > 24) sp1 = -1
      else {
        for (let i = rs; i < sp1; i++) {
          if (!isMethodByte(at(i))) {
            sp1 = -1
            break
          }
        }
      }
      known = 3
    }
    if (sp1 >= 0) {
      // the last space before the closing quote: usually the one before `HTTP/1.1`
      let sp2 = rq - 9
      let http = sp2 > sp1 && at(sp2) == 32 && isHttpAt(sp2 + 1)
      if (!(http && at(rq - 3) != 32 && at(rq - 2) != 32 && at(rq - 1) != 32)) {
        sp2 = rq - 1
        while (sp2 > sp1 && at(sp2) != 32) sp2--
        http = sp2 != sp1 && isHttpAt(sp2 + 1)
      }
      const targetFrom = sp1 + 1
      const targetTo = sp2 == sp1 ? rq : sp2
      if ((sp2 == sp1 || http) && targetTo > targetFrom) {
        method = known
        if (sp2 != sp1) protoFrom = sp2 + 1
        pathFrom = targetFrom
        const qm = findIn(targetFrom, targetTo, 63)
        if (qm >= 0) {
          pathTo = qm
          queryFrom = at(qm + 1) == 63 && qm + 1 < targetTo ? qm + 2 : qm + 1
          queryTo = targetTo
        } else {
          pathTo = targetTo
        }
      }
    }
  }


  put(IP_FROM, ipStart - o)
  put(IP_TO, ipEnd - o)
  put(SHAPE, shape)
  put(VHOST_TO, vhostEnd < 0 ? -1 : vhostEnd - o)
  put(IDENT_TO, identEnd - o)
  put(USER_TO, pe - o)
  put(STATUS, status < 0 || status > 999 ? -1 : <i32>status)
  put(REF_FROM, refFrom - o)
  put(REF_TO, refTo - o)
  put(UA_FROM, uaFrom - o)
  put(UA_TO, uaTo - o)
  put(XFF_FROM, xffFrom - o)
  put(XFF_TO, xffTo - o)
  put(METHOD, method)
  put(METHOD_FROM, rs - o)
  put(METHOD_TO, sp1 - o)
  put(PROTO_FROM, protoFrom < 0 ? -1 : protoFrom - o)
  put(PROTO_TO, rq - o)
  put(PATH_FROM, pathFrom - o)
  put(PATH_TO, pathTo - o)
  put(QUERY_FROM, queryFrom < 0 ? -1 : queryFrom - o)
  put(QUERY_TO, queryTo - o)
  put(IP_SLOT, shape == 4 || !exact ? -1 : intern(IP_TABLE, ipStart, ipEnd))
  put(VHOST_SLOT, vhostEnd < 0 || !exact ? -1 : intern(VHOST_TABLE, o, vhostEnd))
  putF(BYTES, bytes)
  putF(V4, v4)
  return OK
}
