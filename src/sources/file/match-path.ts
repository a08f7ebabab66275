import { resolve } from 'node:path'
import { type CompiledPattern, compilePattern } from './glob.js'

type Segment = CompiledPattern['segments'][number]

function matchSegments(
  segs: readonly Segment[],
  parts: readonly string[],
  si: number,
  pi: number,
  site: string,
): string | null {
  const seg = segs[si]
  if (seg === undefined) return pi === parts.length ? site : null
  if (seg.kind === 'globstar') {
    for (let k = pi; k <= parts.length; k++) {
      const m = matchSegments(segs, parts, si + 1, k, site)
      if (m !== null) return m
    }
    return null
  }
  const part = parts[pi]
  if (part === undefined) return null
  if (seg.kind === 'literal') return seg.text === part ? matchSegments(segs, parts, si + 1, pi + 1, site) : null
  const m = seg.re.exec(part)
  if (m === null) return null
  return matchSegments(segs, parts, si + 1, pi + 1, seg.site ? (m[1] ?? '') : site)
}

/** The site a configured source path (glob or `{site}` pattern) gives `path`, or null when it does not match. */
export function matchSourcePath(pattern: string, path: string): string | null {
  const p = compilePattern(pattern)
  const abs = resolve(path)
  const prefix = p.base.endsWith('/') ? p.base : `${p.base}/`
  if (!abs.startsWith(prefix)) return null
  const parts = abs.slice(prefix.length).split('/')
  return matchSegments(p.segments, parts, 0, 0, '')
}
