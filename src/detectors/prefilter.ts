/**
 * The engine's first look at an event: can ANY rule alternative (filter or forgive) match it at all? Most events
 * (`GET /wp-content/… 200`) cannot, and are turned away here before any Map lookup: a lookup keyed by a string cut
 * from the log line has to hash that string first, which V8 does in slow runtime code.
 *
 * How: each alternative states what an event needs to have a chance (compile.ts, AltShape): statuses, methods, a
 * query, text its path must start with, end with or hold, a query key. Events are sorted into classes by (status,
 * method, query or not); each class knows the alternatives that accept it and the texts one of which the path (or
 * the query) must then hold, as one search: an alternation of escaped literals (`^/backup|\.sql$|%|/[/.]|…`).
 * No quantifier, no user-written expression: the search is linear in the path, whatever an attacker sends, and runs
 * as native code over the string where it lies (a loop of charCodeAt over a sliced string costs twice as much).
 *
 * The answer is one-sided: `false` means no alternative can match (the event is done), `true` only that one might
 * (the engine then does the full work). A path the server would rewrite (`%`, `//`, `/.`: see canonicalPath) and a
 * query with `%` (keys compared decoded) always answer `true`.
 */
import type { LogEvent } from '../core/types.js'
import {
  PF_ALL,
  PF_ANYWHERE,
  PF_AT_END,
  PF_GROUPS_AT,
  PF_HEAD,
  PF_METHODS_AT,
  PF_NONE,
  PF_TABLE_AT,
} from '../parsers/clf-tokenizer/slots.js'
import type { AltShape } from './compile.js'
import { literalParts, type PathPattern } from './pattern.js'

/** Longest literal kept (a prefix or suffix of a required text is required too). */
const LITERAL_MAX = 16

/** The first characters of `s` (at most 16), up to the first non-ASCII one. */
const asciiHead = (s: string): string => {
  let end = Math.min(s.length, LITERAL_MAX)
  for (let i = 0; i < end; i++) if (s.charCodeAt(i) >= 128) end = i
  return s.slice(0, end)
}
/** The last characters of `s` (at most 16), after the last non-ASCII one. */
const asciiTail = (s: string): string => {
  let start = Math.max(0, s.length - LITERAL_MAX)
  for (let i = s.length - 1; i >= start; i--) if (s.charCodeAt(i) >= 128) start = i + 1
  return s.slice(start)
}
const escapeLit = (lit: string): string => lit.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')

/** A path holding one of these the server would rewrite (see canonicalPath): the prefilter always looks closer. */
const rewritten = (lit: string): boolean => lit.includes('%') || lit.includes('//') || lit.includes('/.')
const REWRITTEN = ['%', '//', '/.']

/** Expressions made so far, by their terms: groups of statuses mostly share them (a RegExp keeps no state here). */
const searches = new Map<string, RegExp>()

/** Search terms: literals found anywhere, or only at the end (`atEnd`); anchored at the start ones go to `heads`. */
class Terms {
  readonly heads: string[] = []
  readonly anywhere: { lit: string; atEnd: boolean }[] = []

  /**
   * One expression for all of them, the literals merged by common prefix (`\/(?:\/|\.|wp-config\.…)`), so that
   * the search tries the few first characters once per position, not each literal.
   */
  search(): RegExp {
    const key = JSON.stringify([this.heads, this.anywhere])
    let re = searches.get(key)
    if (re === undefined) {
      re = this.build()
      searches.set(key, re)
    }
    return re
  }

  private build(): RegExp {
    const heads = merged(this.heads.map((lit) => ({ lit, atEnd: false })))
    const anywhere = merged(this.anywhere)
    const parts = [heads === null ? null : `^${heads}`, anywhere].filter((x) => x !== null)
    return new RegExp(parts.length > 0 ? parts.join('|') : '(?!)')
  }
}

interface Node {
  next: Map<string, Node>
  /** a literal ends here (anything may follow) */
  term: boolean
  /** a literal ends here at the end of the text */
  end: boolean
}

/** The literals as one alternation, merged by common prefix; null for none. */
function merged(lits: readonly { lit: string; atEnd: boolean }[]): string | null {
  if (lits.length === 0) return null
  const root: Node = { next: new Map(), term: false, end: false }
  for (const { lit, atEnd } of lits) {
    let node = root
    for (const ch of lit) {
      let child = node.next.get(ch)
      if (child === undefined) {
        child = { next: new Map(), term: false, end: false }
        node.next.set(ch, child)
      }
      node = child
    }
    if (atEnd) node.end = true
    else node.term = true
  }
  const emit = (node: Node): string => {
    if (node.term) return '' // a shorter literal that may be followed by anything covers the longer ones
    const alts = node.end ? ['$'] : []
    for (const [ch, child] of node.next) alts.push(escapeLit(ch) + emit(child))
    return alts.length === 1 ? (alts[0] as string) : `(?:${alts.join('|')})`
  }
  return emit(root)
}

/** The alternatives one class of events can meet, reduced to what decides whether to look closer. */
interface Group {
  /** no alternative accepts this class */
  none: boolean
  /** some alternative accepts it whatever its path and query: always look closer */
  all: boolean
  /** what the path must hold for an alternative with `path` patterns; null: no such alternative */
  path: RegExp | null
  /** what the query must hold for an alternative with query keys (and no `path`); null: no such alternative */
  query: RegExp | null
  /** the same as texts (for `spec`) */
  pathTerms: Terms | null
  queryTerms: Terms | null
}

/**
 * Adds the search terms a path matching `p` needs to `t` (none when the rewrite terms cover it); false when there is
 * nothing worth searching for (`/**`).
 */
function addTerms(t: Terms, p: PathPattern): boolean {
  const parts = literalParts(p)
  if (parts.some(rewritten)) return true
  const head = asciiHead(parts[0] as string)
  if (head.length >= 2) {
    t.heads.push(head)
    return true
  }
  const tail = parts.length > 1 ? asciiTail(parts[parts.length - 1] as string) : ''
  if (tail.length >= 2) {
    t.anywhere.push({ lit: tail, atEnd: true })
    return true
  }
  let mid = ''
  for (let k = 1; k < parts.length - 1; k++) {
    const m = asciiHead(parts[k] as string)
    if (m.length > mid.length) mid = m
  }
  if (mid.length < 2) return false
  t.anywhere.push({ lit: mid, atEnd: false })
  return true
}

const STATUSES = 601 // 0..599, and 600 for anything else (no status list accepts it)

export interface Prefilter {
  /** false: no alternative can match `e` (its path must be the raw one, as parsed) */
  mayMatch(e: LogEvent): boolean
  /**
   * The same test as tables for `scan`'s WebAssembly pass (clf-tokenizer/scan.as.ts reads them; slots.ts, PF_*, has
   * the layout): i32 words, then the texts' bytes.
   */
  spec(): Uint8Array
}

export function createPrefilter(shapes: readonly AltShape[]): Prefilter {
  const methods = [...new Set(shapes.flatMap((s) => s.methods ?? []))]
  const nm = methods.length + 1 // the last: any other method
  const groups: Group[] = []
  const byKey = new Map<string, number>()
  const table = new Int32Array(STATUSES * nm * 2)

  const groupOf = (alts: AltShape[]): number => {
    const key = alts.map((a) => shapes.indexOf(a)).join(',')
    let g = byKey.get(key)
    if (g !== undefined) return g
    let all = false
    let pathTerms: Terms | null = null
    let queryTerms: Terms | null = null
    for (const a of alts) {
      if (a.paths !== null) {
        if (pathTerms === null) {
          pathTerms = new Terms()
          for (const lit of REWRITTEN) pathTerms.anywhere.push({ lit, atEnd: false })
        }
        for (const p of a.paths.patterns) if (!addTerms(pathTerms, p)) all = true
      } else if (a.queryKeys !== null) {
        if (queryTerms === null) {
          queryTerms = new Terms()
          queryTerms.anywhere.push({ lit: '%', atEnd: false })
        }
        for (const k of a.queryKeys) {
          const head = asciiHead(k)
          if (head === '') all = true
          else queryTerms.anywhere.push({ lit: head, atEnd: false })
        }
      } else {
        all = true
      }
    }
    g = groups.length
    groups.push({
      none: alts.length === 0,
      all,
      path: pathTerms?.search() ?? null,
      query: queryTerms?.search() ?? null,
      pathTerms,
      queryTerms,
    })
    byKey.set(key, g)
    return g
  }

  // statuses that the same alternatives accept share their groups (a handful of distinct sets among 601 statuses)
  const byStatusSet = new Map<string, number[]>()
  for (let s = 0; s < STATUSES; s++) {
    const accepts = shapes.map((a) => a.status === null || a.status[s] === 1)
    const sig = accepts.map((x) => (x ? 1 : 0)).join('')
    let row = byStatusSet.get(sig)
    if (row === undefined) {
      row = []
      for (let m = 0; m < nm; m++) {
        for (let q = 0; q < 2; q++) {
          const alts = shapes.filter(
            (a, i) =>
              accepts[i] &&
              (a.methods === null || (m < methods.length && a.methods.includes(methods[m] as string))) &&
              (!a.needsQuery || q === 1),
          )
          row.push(groupOf(alts))
        }
      }
      byStatusSet.set(sig, row)
    }
    table.set(row, s * nm * 2)
  }

  let spec: Uint8Array | null = null
  return {
    spec: () => {
      spec ??= encodeSpec(methods, table, groups)
      return spec
    },
    mayMatch(e) {
      const st = e.status
      const s = st >= 0 && st < 600 ? st | 0 : 600
      let m = 0
      const method = e.method
      while (m < methods.length && methods[m] !== method) m++
      const q = e.query
      const g = groups[table[(s * nm + m) * 2 + (q === '' ? 0 : 1)] as number] as Group
      if (g.none) return false
      if (g.all) return true
      return g.path?.test(e.path) === true || (q !== '' && g.query?.test(q) === true)
    },
  }
}

/** Words of the first bytes of `b` (16 bytes: 4 words, in the machine's order, as WebAssembly reads them back). */
const words16 = (b: Uint8Array): number[] => Array.from(new Int32Array(b.buffer, b.byteOffset, 4))

/**
 * A group's texts as scan.as.ts's `meets` reads them: [fixed, anywhere, starts, 4 words of first bytes, 4 of second
 * bytes, 4 of one-byte flags, 256 words: per byte the texts found anywhere that start with it (index << 8 | count),
 * then per text (offset, length, mode)], the fixed ones (heads, ends) first, the others by their first byte.
 * Duplicates are dropped, and texts another one covers (a head that starts with another head, an end that ends with
 * another end), as the expression built from the same texts merges them.
 */
function encodeTerms(t: Terms, words: number[], text: (t: string) => void): void {
  const heads = [...new Set(t.heads)].filter((h, _, all) => !all.some((o) => o !== h && h.startsWith(o)))
  const endTexts = [...new Set(t.anywhere.filter((a) => a.atEnd).map((a) => a.lit))]
  const ends = endTexts.filter((e) => !endTexts.some((o) => o !== e && e.endsWith(o)))
  const anywhere = [...new Set(t.anywhere.filter((a) => !a.atEnd).map((a) => a.lit))].sort(
    (x, y) => x.charCodeAt(0) - y.charCodeAt(0),
  )
  const fixed = heads.length + ends.length
  // how the texts found anywhere start: their first two bytes (one for a one-byte text), at most 16 such starts
  const starts = [...new Set(anywhere.map((lit) => lit.slice(0, 2)))]
  if (starts.length > 16) throw new Error(`prefilter: ${starts.length} starts, the scan pass takes 16`)
  const first = new Uint8Array(16)
  const second = new Uint8Array(16)
  const one = new Uint8Array(16)
  starts.forEach((st, k) => {
    first[k] = st.charCodeAt(0)
    if (st.length === 1) one[k] = 1
    else second[k] = st.charCodeAt(1)
  })
  words.push(fixed, anywhere.length, starts.length, ...words16(first), ...words16(second), ...words16(one))
  const table = new Array<number>(256).fill(0)
  anywhere.forEach((lit, k) => {
    const c = lit.charCodeAt(0)
    const e = table[c] as number
    table[c] = e === 0 ? ((fixed + k) << 8) | 1 : e + 1
  })
  words.push(...table)
  for (const h of heads) {
    text(h)
    words.push(PF_HEAD)
  }
  for (const e of ends) {
    text(e)
    words.push(PF_AT_END)
  }
  for (const lit of anywhere) {
    text(lit)
    words.push(PF_ANYWHERE)
  }
}

/** The prefilter as scan.as.ts reads it (slots.ts, PF_*). Its texts are ASCII (asciiHead, asciiTail, REWRITTEN). */
function encodeSpec(methods: readonly string[], table: Int32Array, groups: readonly Group[]): Uint8Array {
  const words: number[] = [methods.length, 0, 0, 0]
  const texts: string[] = []
  /** where the words hold a text's offset among the texts, to become its offset from the spec's start */
  const refs: number[] = []
  let textBytes = 0
  const text = (t: string): void => {
    refs.push(words.length)
    words.push(textBytes, t.length)
    texts.push(t)
    textBytes += t.length
  }
  words[PF_METHODS_AT] = words.length
  for (const m of methods) text(m)
  words[PF_TABLE_AT] = words.length
  for (const g of table) words.push(g)
  words[PF_GROUPS_AT] = words.length
  const groupAt = words.length
  for (const g of groups) words.push((g.none ? PF_NONE : 0) | (g.all ? PF_ALL : 0), -1, -1)
  groups.forEach((g, k) => {
    for (const [slot, terms] of [
      [1, g.pathTerms],
      [2, g.queryTerms],
    ] as const) {
      if (terms === null) continue
      words[groupAt + k * 3 + slot] = words.length
      encodeTerms(terms, words, text)
    }
  })
  const base = words.length * 4
  for (const r of refs) words[r] = (words[r] as number) + base
  const out = new Uint8Array(base + textBytes)
  new Int32Array(out.buffer, 0, words.length).set(words)
  let p = base
  for (const t of texts) for (let i = 0; i < t.length; i++) out[p++] = t.charCodeAt(i)
  return out
}
