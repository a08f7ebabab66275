/**
 * Path patterns, compiled once from config text. No regular expression ever runs over attacker-controlled text:
 * a pattern is an exact string, a prefix, or a glob matched by `startsWith` / `indexOf` / `endsWith` in linear passes.
 * (The one expression that does, prefilter.ts, is generated: escaped literals in an alternation, no quantifier.)
 *
 * Syntax (see docs/rules.md):
 * - `/wp-login.php`  exact
 * - `/wp-admin/*`    a trailing `*` (or `**`) matches the rest of the path, slashes included (a prefix)
 * - `/*.sql`         inside a pattern, `*` matches within one path segment (no `/`): `/dump.sql`, not `/a/dump.sql`
 * - `**` matches across segments: `**` followed by `/.env` matches `/.env` and `/laravel/.env`
 */

export class PatternError extends Error {}

/** A compiled pattern. */
export interface PathPattern {
  readonly kind: 'exact' | 'prefix' | 'glob'
  readonly source: string
  test(path: string): boolean
}

/** Throws PatternError with a message that names the problem. */
export function compilePattern(source: string): PathPattern {
  if (source === '') throw new PatternError('a path pattern cannot be empty')
  const c0 = source.charCodeAt(0)
  if (c0 !== 47 /* / */ && c0 !== 42 /* * */) {
    throw new PatternError(`${JSON.stringify(source)}: a path pattern starts with "/" (or "*" / "**")`)
  }
  if (source.includes('***')) {
    throw new PatternError(
      `${JSON.stringify(source)}: use * (within one path segment) or ** (across segments), not ***`,
    )
  }
  for (const ch of '?[]{}') {
    if (source.includes(ch)) {
      throw new PatternError(`${JSON.stringify(source)}: "${ch}" is not supported; only the wildcards * and ** are`)
    }
  }
  const star = source.indexOf('*')
  if (star < 0) return { kind: 'exact', source, test: (p) => p === source }
  // a trailing * or ** with no other wildcard: a prefix
  const body = source.endsWith('**') ? source.slice(0, -2) : source.slice(0, -1)
  if (source.endsWith('*') && !body.includes('*')) {
    return { kind: 'prefix', source, test: (p) => p.startsWith(body) }
  }
  return compileGlob(source)
}

function compileGlob(source: string): PathPattern {
  const lits: string[] = []
  /** wilds[i] sits between lits[i] and lits[i + 1]; true = `**` (crosses /) */
  const wilds: boolean[] = []
  let i = 0
  let lit = ''
  while (i < source.length) {
    if (source[i] === '*') {
      const double = source[i + 1] === '*'
      lits.push(lit)
      lit = ''
      wilds.push(double)
      i += double ? 2 : 1
    } else {
      lit += source[i]
      i++
    }
  }
  lits.push(lit)
  // a trailing single * matches the rest of the path (slashes included), as in a prefix
  if (lits[lits.length - 1] === '') wilds[wilds.length - 1] = true
  const first = lits[0] as string
  const n = lits.length
  const test = (s: string): boolean => {
    if (!s.startsWith(first)) return false
    let pos = first.length
    for (let k = 1; k < n; k++) {
      const part = lits[k] as string
      const crosses = wilds[k - 1] as boolean
      if (k === n - 1) {
        const start = s.length - part.length
        if (start < pos || !s.endsWith(part)) return false
        if (!crosses) {
          const slash = s.indexOf('/', pos)
          if (slash >= 0 && slash < start) return false
        }
        return true
      }
      // The earliest occurrence is always the best choice: it leaves the most text for the rest, and if its gap
      // holds a "/" every later occurrence's gap holds it too. So one forward pass decides (no backtracking).
      const idx = s.indexOf(part, pos)
      if (idx < 0) return false
      if (!crosses) {
        const slash = s.indexOf('/', pos)
        if (slash >= 0 && slash < idx) return false
      }
      pos = idx + part.length
    }
    return true
  }
  return { kind: 'glob', source, test }
}

/** The literal text a pattern's matches all start with. */
const literalHead = (p: PathPattern): string => {
  if (p.kind === 'exact') return p.source
  return p.source.slice(0, p.source.indexOf('*'))
}

/**
 * A set of patterns answering "does the path match any of them" with one Set probe for the exact ones and, for the
 * rest, only the patterns whose literal head agrees on the path's second character (`/.env` vs `/wp-…`).
 */
export class PathSet {
  readonly exact: ReadonlySet<string>
  readonly patterns: readonly PathPattern[]
  private readonly byChar: (PathPattern[] | undefined)[] = new Array(128)
  private readonly anyChar: PathPattern[] = []

  constructor(patterns: readonly PathPattern[]) {
    this.patterns = patterns
    const exact = new Set<string>()
    for (const p of patterns) {
      if (p.kind === 'exact') {
        exact.add(p.source)
        continue
      }
      const head = literalHead(p)
      const c = head.length >= 2 ? head.charCodeAt(1) : -1
      if (c < 0 || c >= 128) this.anyChar.push(p)
      else {
        const bucket = this.byChar[c] ?? []
        bucket.push(p)
        this.byChar[c] = bucket
      }
    }
    this.exact = exact
  }

  /** true when every pattern is exact (the engine then indexes the rule by path) */
  get exactOnly(): boolean {
    return this.exact.size === this.patterns.length
  }

  test(path: string): boolean {
    if (this.exact.has(path)) return true
    const c = path.charCodeAt(1)
    const list = c < 128 ? this.byChar[c] : undefined
    if (list) for (const p of list) if (p.test(path)) return true
    for (const p of this.anyChar) if (p.test(path)) return true
    return false
  }
}

/**
 * A pattern for a query parameter's value (`rest_route: /wp/v2/users`): exact, or a prefix with a trailing `*`.
 * Throws PatternError.
 */
export function compileValuePattern(source: string): PathPattern {
  if (source === '') throw new PatternError('a value pattern cannot be empty')
  const body = source.endsWith('*') ? source.slice(0, -1) : source
  if (body.includes('*')) {
    throw new PatternError(`${JSON.stringify(source)}: a value pattern is exact or ends with * (a prefix)`)
  }
  if (body === source) return { kind: 'exact', source, test: (v) => v === source }
  return { kind: 'prefix', source, test: (v) => v.startsWith(body) }
}

/**
 * The literal parts of a pattern, in order: a match starts with the first and ends with the last, and holds the ones
 * between. An exact pattern is one part (the whole path); a trailing `*` leaves an empty last part.
 */
export function literalParts(p: PathPattern): string[] {
  return p.kind === 'exact' ? [p.source] : p.source.split(/\*+/)
}
