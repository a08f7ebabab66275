/**
 * `lookout scan`'s pass over a chunk of whole lines, in AssemblyScript: it splits the chunk, tokenizes each line, and
 * runs the engine's prefilter (prefilter.ts, handed over as tables) on what it found. A plain line that no rule can
 * match (most of a day's lines) is QUIET: the scan loop reads its time and client from the record and makes no
 * strings and no event for it unless an open incident asks. Every other line is left to the JavaScript parser, which
 * reads it exactly as before: anything not plain (not ASCII, too long, a status or byte count the parser refuses,
 * an X-Forwarded-For to look at, an odd method or an absent target) and every line some rule may match. So the only decision taken here is "no rule can match this", and it is the prefilter's own,
 * taken on the same texts (see prefilter.ts: heads, texts anywhere, texts at the end, over ASCII bytes).
 *
 * Lines are tokenized without EXACT: nothing goes into the tables of texts seen, whose slots clf.ts mirrors. Clients
 * that are no dotted quad go into a table of the scan's own (SCAN_IP_TABLE), which clf-batches.ts mirrors right
 * after each pass.
 */
import {
  BYTES,
  HIT,
  IP_FROM,
  IP_TO,
  REC_IP_FROM,
  REC_IP_TO,
  REC_SHAPE,
  METHOD,
  METHOD_FROM,
  METHOD_TO,
  OK,
  PATH_FROM,
  PATH_TO,
  PF_ALL,
  PF_GROUPS_AT,
  PF_HEAD,
  PF_METHODS,
  PF_METHODS_AT,
  PF_NONE,
  PF_TABLE_AT,
  QUERY_FROM,
  QUERY_TO,
  REC_JS,
  REC_JS_TEXT,
  REC_KIND,
  REC_LEN,
  REC_QUIET,
  REC_START,
  REC_TIME_F64,
  REC_V4,
  REC_VHOST_TO,
  REC_WORDS,
  SHAPE,
  STATUS,
  TIME,
  V4,
  VHOST_TO,
  NO_TAIL,
  XFF,
  XFF_FROM,
  XFF_TO,
} from './slots'
import { intern, RESULT, SCAN_IP_TABLE, SCAN_PATH_TABLE, sameText, slotOf, tokenize } from './tokenizer.as'

const STATUSES = 601

@inline function at(p: i32): i32 {
  return <i32>load<u8>(<usize>p)
}
@inline function res(slot: i32): i32 {
  return load<i32>(RESULT + (<usize>slot << 2))
}
@inline function resF(slot: i32): f64 {
  return load<f64>(RESULT + (<usize>slot << 3))
}
@inline function word(spec: i32, w: i32): i32 {
  return load<i32>(<usize>spec + (<usize>w << 2))
}

/** [a, a + n) holds the same bytes as [b, b + n) (the first four compared at once: most texts differ there). */
function same(a: i32, b: i32, n: i32): bool {
  const mask: u32 = n >= 4 ? 0xffffffff : (<u32>1 << (<u32>n << 3)) - 1
  if (((load<u32>(<usize>a) ^ load<u32>(<usize>b)) & mask) != 0) return false
  for (let k = 4; k < n; k++) if (at(a + k) != at(b + k)) return false
  return true
}

/**
 * The text [from, to) meets one of the terms at word `terms` of the spec: [fixed, anywhere, pairs (how many distinct
 * starts the texts found anywhere have: their first two bytes, or one for a one-byte text), first bytes (4 words),
 * second bytes (4 words), one-byte flags (4 words), 256 words: per byte the texts found anywhere that start with it
 * (first index << 8 | count), then (text offset, length, mode) per term: the `fixed` ones (heads, ends) first, then
 * the others by their first byte]. The starts are looked for 16 positions at a time.
 */
function meets(spec: i32, terms: i32, from: i32, to: i32): bool {
  const fixed = word(spec, terms)
  const n = to - from
  const table = terms + 15
  const list = table + 256
  for (let t = 0; t < fixed; t++) {
    const w = list + t * 3
    const len = word(spec, w + 1)
    if (len > n) continue
    if (same(word(spec, w + 2) == PF_HEAD ? from : to - len, spec + word(spec, w), len)) return true
  }
  const pairs = word(spec, terms + 2)
  if (pairs == 0) return false
  const b0 = <usize>spec + ((<usize>terms + 3) << 2)
  const b1 = b0 + 16
  const one = b1 + 16
  for (let i = from; i < to; i += 16) {
    const v0 = v128.load(<usize>i)
    const v1 = v128.load(<usize>i + 1)
    let m = 0
    for (let k = 0; k < pairs; k++) {
      const e0 = i8x16.eq(v0, i8x16.splat(load<i8>(b0 + <usize>k)))
      m |= load<u8>(one + <usize>k) != 0
        ? i8x16.bitmask(e0)
        : i8x16.bitmask(v128.and(e0, i8x16.eq(v1, i8x16.splat(load<i8>(b1 + <usize>k)))))
    }
    const rest = to - i
    if (rest < 16) m &= (1 << rest) - 1
    while (m != 0) {
      const j = i + ctz(m)
      m &= m - 1
      const e = word(spec, table + at(j))
      const last = (e >> 8) + (e & 255)
      for (let t = e >> 8; t < last; t++) {
        const w = list + t * 3
        const len = word(spec, w + 1)
        if (j + len <= to && same(j + 1, spec + word(spec, w) + 1, len - 1)) return true
      }
    }
  }
  return false
}

/**
 * meets() for a path, remembered: a day's requests go to a few thousand paths (pages, scripts, styles), so the
 * answers for the path are kept with it in a table of paths seen, an entry a cache line of 64 bytes: the length
 * (u8), which groups were asked (u32 at 4, a bit per group) and which said yes (u32 at 8), the path at 12. A path
 * over 52 bytes, or a group past 31, is searched every time; a slot that takes a new path forgets.
 */
function remembered(spec: i32, g: i32, terms: i32, from: i32, to: i32): bool {
  const n = to - from
  if (g >= 32 || n < 1 || n > 52) return meets(spec, terms, from, to)
  const e = SCAN_PATH_TABLE + (<usize>slotOf(from, to) << 6)
  if (<i32>load<u8>(e) != n || !sameText(e + 12, from, n)) {
    store<u8>(e, <u8>n)
    store<u64>(e + 4, 0)
    memory.copy(e + 12, <usize>from, <usize>n)
  }
  const bit: u32 = 1 << g
  const asked = load<u32>(e + 4)
  if ((asked & bit) != 0) return (load<u32>(e + 8) & bit) != 0
  const hit = meets(spec, terms, from, to)
  store<u32>(e + 4, asked | bit)
  if (hit) store<u32>(e + 8, load<u32>(e + 8) | bit)
  return hit
}

/** After an OK tokenize of the line at `o`: true when no rule can match its event (prefilter.ts's mayMatch false). */
function quiet(spec: i32, o: i32): bool {
  const st = res(STATUS)
  const s = st >= 0 && st < 600 ? st : 600
  // the method: its bytes compared with the methods the rules name (the last index: any other)
  const mFrom = o + res(METHOD_FROM)
  const mLen = o + res(METHOD_TO) - mFrom
  const nm = word(spec, PF_METHODS)
  const methods = word(spec, PF_METHODS_AT)
  let m = 0
  for (; m < nm; m++) {
    const w = methods + m * 2
    if (word(spec, w + 1) == mLen && same(mFrom, spec + word(spec, w), mLen)) break
  }
  const qFrom = res(QUERY_FROM)
  const hasQuery = qFrom >= 0 && res(QUERY_TO) > qFrom
  const g = word(spec, word(spec, PF_TABLE_AT) + (s * (nm + 1) + m) * 2 + (hasQuery ? 1 : 0))
  const gw = word(spec, PF_GROUPS_AT) + g * 3
  const flags = word(spec, gw)
  if ((flags & PF_NONE) != 0) return true
  if ((flags & PF_ALL) != 0) return false
  const pathTerms = word(spec, gw + 1)
  const pf = o + res(PATH_FROM)
  if (pathTerms >= 0 && remembered(spec, g, pathTerms, pf, o + res(PATH_TO))) {
    return false
  }
  const queryTerms = word(spec, gw + 2)
  // (queries are searched every time: remembering them cost more than it saved on the bench day)
  if (hasQuery && queryTerms >= 0 && meets(spec, queryTerms, o + qFrom, o + res(QUERY_TO))) return false
  return true
}

/** A plain line, as far as the JavaScript parser goes: it would make an event of it from these fields alone. */
function plain(o: i32, xff: bool): bool {
  if (res(STATUS) < 0 || resF(BYTES) < 0) return false
  if (xff) {
    const xf = o + res(XFF_FROM)
    const xt = o + res(XFF_TO)
    if (xt > xf && !(xt - xf == 1 && at(xf) == 45)) return false
  }
  const method = res(METHOD)
  if (method == 0) return false
  const mFrom = o + res(METHOD_FROM)
  if (res(METHOD_TO) - res(METHOD_FROM) == 1 && at(mFrom) == 45) return false
  // a target without '?' reads '' when it is '-' or '""' (event.ts's textAt)
  if (res(QUERY_FROM) < 0) {
    const pf = o + res(PATH_FROM)
    const n = res(PATH_TO) - res(PATH_FROM)
    if (n <= 0 || (n == 1 && at(pf) == 45) || (n == 2 && at(pf) == 34 && at(pf + 1) == 34)) return false
  }
  return true
}

/**
 * Records for the lines of [from, to), each ended by a newline (to - 1 is one), at `out` (REC_WORDS words a line).
 * Lines over `maxLine` bytes go to JavaScript (the splitter cuts them). Returns how many lines.
 */
export function scan(from: i32, to: i32, out: i32, flags: i32, spec: i32, maxLine: i32): i32 {
  const xff = (flags & XFF) != 0
  let n = 0
  let p = from
  const newline = i8x16.splat(10)
  while (p < to) {
    // the newline, and on the way whether any byte before it is beyond ASCII (16 bytes a step; the chunk ends with a
    // newline, so the search stops inside it)
    let nl = p
    let high = 0
    for (;;) {
      const v = v128.load(<usize>nl)
      const m = i8x16.bitmask(i8x16.eq(v, newline))
      if (m != 0) {
        const j = ctz(m)
        high |= i8x16.bitmask(v) & ((1 << j) - 1)
        nl += j
        break
      }
      high |= i8x16.bitmask(v)
      nl += 16
    }
    const rec = <usize>out + ((<usize>n * REC_WORDS) << 2)
    store<i32>(rec + (REC_START << 2), p - from)
    store<i32>(rec + (REC_LEN << 2), nl - p)
    let kind = REC_JS_TEXT
    if (nl - p <= maxLine && high == 0) {
      kind = REC_JS
      const len = nl > p && at(nl - 1) == 13 ? nl - 1 - p : nl - p
      if (tokenize(p, len, xff ? XFF : NO_TAIL) == OK && plain(p, xff) && quiet(spec, p)) {
        kind = REC_QUIET
        const shape = res(SHAPE)
        // an IPv4 client as its 32 bits, another one by its slot in the scan's table of clients (HIT: seen there)
        store<i32>(
          rec + (REC_V4 << 2),
          shape == 4 ? <i32>(<u32>resF(V4)) : intern(SCAN_IP_TABLE, p + res(IP_FROM), p + res(IP_TO)),
        )
        store<i32>(rec + (REC_VHOST_TO << 2), res(VHOST_TO))
        store<i32>(rec + (REC_SHAPE << 2), shape)
        store<i32>(rec + (REC_IP_FROM << 2), res(IP_FROM))
        store<i32>(rec + (REC_IP_TO << 2), res(IP_TO))
        store<f64>(rec + (REC_TIME_F64 << 3), resF(TIME))
      }
    }
    store<i32>(rec + (REC_KIND << 2), kind)
    n++
    p = nl + 1
  }
  return n
}
