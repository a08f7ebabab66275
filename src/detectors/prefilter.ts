/**
 * The engine's first look at an event: can ANY rule alternative (filter or forgive) match it at all? Most events
 * (`GET /wp-content/… 200`) cannot, and are turned away here by character codes alone, before any Map lookup: a
 * lookup keyed by a string cut from the log line has to hash that string first, which V8 does in slow runtime code.
 *
 * How: each alternative states what an event needs to have a chance (compile.ts, AltShape): statuses, methods, a
 * query, text its path must contain (at its start or anywhere), a query key. Events are sorted into classes by
 * (status, method, query or not); each class knows the alternatives that accept it and the texts one of which the
 * path (or the query) must then contain, in a small trie walked over the path's characters.
 *
 * The answer is one-sided: `false` means no alternative can match (the event is done), `true` only that one might
 * (the engine then does the full work). A path the server would rewrite (`%`, `//`, `/.`: see canonicalPath) and a
 * query with `%` (keys compared decoded) always answer `true`.
 */
import type { LogEvent } from '../core/types.js'
import type { AltShape } from './compile.js'
import { literalParts, type PathPattern } from './pattern.js'

/** Literals, ASCII only: `next[node * 128 + char]` is the child (0: none; the root is never a child). */
class Trie {
  next = new Int32Array(128)
  term = new Uint8Array(1)
  private nodes = 1
  size = 0

  add(text: string): void {
    let node = 0
    for (let i = 0; i < text.length && this.term[node] !== 1; i++) {
      const c = text.charCodeAt(i)
      let child = this.next[node * 128 + c] as number
      if (child === 0) {
        child = this.nodes++
        if (child * 128 >= this.next.length) {
          const next = new Int32Array(this.next.length * 2)
          next.set(this.next)
          this.next = next
          const term = new Uint8Array(this.next.length / 128)
          term.set(this.term)
          this.term = term
        }
        this.next[node * 128 + c] = child
      }
      node = child
    }
    this.term[node] = 1
    this.size++
  }

  /** Whether `s` has one of the literals starting at `i` (forward), or ending at `i` (`back`: a reversed trie). */
  at(s: string, i: number, back: boolean): boolean {
    const next = this.next
    const term = this.term
    const step = back ? -1 : 1
    let node = 0
    for (; i >= 0 && i < s.length; i += step) {
      const c = s.charCodeAt(i)
      if (c >= 128) return false
      node = next[node * 128 + c] as number
      if (node === 0) return false
      if (term[node] === 1) return true
    }
    return false
  }
}

/** Longest literal kept (a prefix or suffix of a required text is required too). */
const LITERAL_MAX = 16

/** The first characters of `s` (at most 16), up to the first non-ASCII one. */
const asciiHead = (s: string): string => {
  let end = Math.min(s.length, LITERAL_MAX)
  for (let i = 0; i < end; i++) if (s.charCodeAt(i) >= 128) end = i
  return s.slice(0, end)
}
const reverse = (s: string): string => [...s].reverse().join('')

/** A path holding one of these the server would rewrite (see canonicalPath): the prefilter always looks closer. */
const rewritten = (lit: string): boolean => lit.includes('%') || lit.includes('//') || lit.includes('/.')

/** The alternatives one class of events can meet, reduced to what decides whether to look closer. */
interface Group {
  /** no alternative accepts this class */
  none: boolean
  /** some alternative accepts it whatever its path and query: always look closer */
  all: boolean
  /** texts one of which the path must start with, end with (reversed), or hold (for alternatives with `path`) */
  head: Trie
  tail: Trie
  anywhere: Trie
  /** `anywhere` has a text starting with this character (1) */
  first: Uint8Array
  /** keys one of which the query must hold (for the alternatives with query keys and no `path`) */
  keys: Trie
}

/** Adds what a path matching `p` must have to the group's tries (nothing when the rewrite check covers it). */
function addNeeds(g: Group, p: PathPattern): void {
  const parts = literalParts(p)
  if (parts.some(rewritten)) return
  const head = asciiHead(parts[0] as string)
  if (head.length >= 2) {
    g.head.add(head)
    return
  }
  const last = parts[parts.length - 1] as string
  const tail = parts.length > 1 ? asciiHead(reverse(last)) : ''
  if (tail.length >= 2) {
    g.tail.add(tail)
    return
  }
  let mid = ''
  for (let k = 1; k < parts.length - 1; k++) {
    const m = asciiHead(parts[k] as string)
    if (m.length > mid.length) mid = m
  }
  if (mid.length < 2) {
    g.all = true
    return
  }
  g.anywhere.add(mid)
  g.first[mid.charCodeAt(0)] = 1
}

const STATUSES = 601 // 0..599, and 600 for anything else (no status list accepts it)

export interface Prefilter {
  /** false: no alternative can match `e` (its path must be the raw one, as parsed) */
  mayMatch(e: LogEvent): boolean
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
    const group: Group = {
      none: alts.length === 0,
      all: false,
      head: new Trie(),
      tail: new Trie(),
      anywhere: new Trie(),
      first: new Uint8Array(128),
      keys: new Trie(),
    }
    for (const a of alts) {
      if (a.paths !== null) {
        for (const p of a.paths.patterns) addNeeds(group, p)
      } else if (a.queryKeys !== null) {
        for (const k of a.queryKeys) {
          const head = asciiHead(k)
          if (head === '') group.all = true
          else group.keys.add(head)
        }
      } else {
        group.all = true
      }
    }
    g = groups.length
    groups.push(group)
    byKey.set(key, g)
    return g
  }

  for (let s = 0; s < STATUSES; s++) {
    for (let m = 0; m < nm; m++) {
      for (let q = 0; q < 2; q++) {
        const alts = shapes.filter(
          (a) =>
            (a.status === null || a.status[s] === 1) &&
            (a.methods === null || (m < methods.length && a.methods.includes(methods[m] as string))) &&
            (!a.needsQuery || q === 1),
        )
        table[(s * nm + m) * 2 + q] = groupOf(alts)
      }
    }
  }

  /** Whether the path may match: it holds a literal, or the server would rewrite it. */
  const pathMay = (g: Group, p: string): boolean => {
    const n = p.length
    if (g.head.size > 0 && g.head.at(p, 0, false)) return true
    if (g.tail.size > 0 && g.tail.at(p, n - 1, true)) return true
    const anywhere = g.anywhere
    const first = g.first
    for (let i = 0; i < n; i++) {
      const c = p.charCodeAt(i)
      if (c === 37 /* % */) return true
      if (c === 47 /* / */) {
        const d = p.charCodeAt(i + 1)
        if (d === 47 || d === 46 /* . */) return true
      }
      if (first[c] === 1 && anywhere.at(p, i, false)) return true
    }
    return false
  }

  const queryMay = (g: Group, q: string): boolean => {
    const keys = g.keys
    if (keys.size === 0) return false
    const n = q.length
    for (let i = 0; i < n; i++) {
      const c = q.charCodeAt(i)
      if (c === 37 /* % */) return true
      if (c < 128 && keys.next[c] !== 0 && keys.at(q, i, false)) return true
    }
    return false
  }

  return {
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
      return pathMay(g, e.path) || (q !== '' && queryMay(g, q))
    },
  }
}
