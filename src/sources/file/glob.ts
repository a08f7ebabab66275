/**
 * Source paths: a glob (`*`, `?`, `[...]`, `**`) or a pattern with one `{site}` placeholder, which matches like `*`
 * within its path segment and names the site (`/var/log/nginx/{site}.access.log` → `shop` for `shop.access.log`).
 * A small segment matcher: each segment compiles to an anchored regex without nested quantifiers, and only ever
 * runs over directory entry names, never over log text.
 */
import { type Dirent, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'globstar' }
  | { kind: 'glob'; re: RegExp; site: boolean; dot: boolean }

export interface CompiledPattern {
  /** the pattern as configured */
  source: string
  /** absolute directory where matching starts: the literal prefix */
  base: string
  segments: Segment[]
}

export interface PathMatch {
  path: string
  /** from the `{site}` placeholder, '' when the pattern has none */
  site: string
}

export interface Expansion {
  matches: PathMatch[]
  /** directories whose entries decide the matches: the ones to watch */
  dirs: string[]
}

const isGlobSegment = (s: string): boolean => /[*?[]/.test(s) || s.includes('{site}')

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

function compileSegment(s: string): Segment {
  if (s === '**') return { kind: 'globstar' }
  if (!isGlobSegment(s)) return { kind: 'literal', text: s }
  let re = '^'
  let site = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (!site && s.startsWith('{site}', i)) {
      re += '([^/]+)'
      site = true
      i += 5
    } else if (c === '*') {
      while (s[i + 1] === '*') i++
      re += '[^/]*'
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '[') {
      // a `]` right after `[` or `[!` belongs to the class
      const first = s[i + 1] === '!' || s[i + 1] === '^' ? i + 2 : i + 1
      const close = s.indexOf(']', first + 1)
      if (close === -1) {
        re += '\\['
        continue
      }
      const negate = first === i + 2
      const body = s.slice(first, close).replace(/[\\\]^[]/g, '\\$&')
      re += `[${negate ? '^' : ''}${body}]`
      i = close
    } else {
      re += escapeRe(c)
    }
  }
  return { kind: 'glob', re: new RegExp(`${re}$`), site, dot: s.startsWith('.') }
}

/** Compiles a source path (relative paths are taken from `cwd`). */
export function compilePattern(pattern: string, cwd = process.cwd()): CompiledPattern {
  const abs = resolve(cwd, pattern)
  const parts = abs.split('/').filter((p) => p !== '')
  let base = '/'
  let i = 0
  while (i < parts.length - 1 && !isGlobSegment(parts[i] as string)) base = join(base, parts[i++] as string)
  return { source: pattern, base, segments: parts.slice(i).map(compileSegment) }
}

/** Whether the pattern names exactly one path (no glob, no `{site}`). */
export const isLiteralPattern = (p: CompiledPattern): boolean => p.segments.every((s) => s.kind === 'literal')

const listDir = (dir: string): Dirent[] | null => {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch {
    return null
  }
}

const isDirFollowing = (path: string): boolean => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The files matching now (directories are never matches), and the directories to watch for more. */
export function expandPattern(p: CompiledPattern): Expansion {
  const matches: PathMatch[] = []
  const dirs = new Set<string>()
  const seen = new Set<string>()
  const add = (path: string, site: string): void => {
    if (seen.has(path)) return
    seen.add(path)
    matches.push({ path, site })
  }
  const walk = (dir: string, idx: number, site: string): void => {
    const seg = p.segments[idx]
    if (seg === undefined) return
    const last = idx === p.segments.length - 1
    if (seg.kind === 'literal') {
      const next = join(dir, seg.text)
      if (!last) {
        walk(next, idx + 1, site)
        return
      }
      if (!isDirFollowing(dir)) return
      dirs.add(dir)
      try {
        if (!statSync(next).isDirectory()) add(next, site)
      } catch {
        // not there (yet): the directory watch and the poll will see it appear
      }
      return
    }
    const entries = listDir(dir)
    if (entries === null) return
    dirs.add(dir)
    if (seg.kind === 'globstar') {
      if (!last) walk(dir, idx + 1, site)
      // symlinked directories are not followed under `**` (loops)
      for (const d of entries) if (d.isDirectory() && !d.name.startsWith('.')) walk(join(dir, d.name), idx, site)
      return
    }
    for (const d of entries) {
      if (d.name.startsWith('.') && !seg.dot) continue
      const m = seg.re.exec(d.name)
      if (m === null) continue
      const s = seg.site ? (m[1] ?? '') : site
      const full = join(dir, d.name)
      const isDir = d.isDirectory() || (d.isSymbolicLink() && isDirFollowing(full))
      if (last) {
        if (!isDir) add(full, s)
      } else if (isDir) {
        walk(full, idx + 1, s)
      }
    }
  }
  walk(p.base, 0, '')
  return { matches, dirs: [...dirs] }
}

/** The files a source path matches right now, with their site (`lookout check` shows them). */
export function expandSourcePath(pattern: string): PathMatch[] {
  return expandPattern(compilePattern(pattern)).matches
}
