import { resolve } from 'node:path'
import type { LookoutConfig } from '../config/schema.js'
import type { FormatConfig } from '../parsers/config.js'
import { type CompiledPattern, compilePattern } from '../sources/file/glob.js'

type Segment = CompiledPattern['segments'][number]

/** Rotation suffixes: `.1`, `.2.gz`, `.gz`, `-20250101`, `-20250101.gz`. */
const ROTATED = /(?:\.\d{1,3}|-\d{8})?(?:\.gz)?$/

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

export interface FileSetup {
  format: FormatConfig
  /** the site for lines that name none; '' when unknown */
  site: string
}

/**
 * How to read a scanned file: `--format` first, else the format (and site) of the configured file source whose path
 * matches it (rotated names like `access.log.2.gz` match their live name's source), else `auto`.
 */
export function setupFor(file: string, config: LookoutConfig, format: FormatConfig | undefined): FileSetup {
  if (file !== '-') {
    const candidates = [file, file.replace(ROTATED, '')]
    for (const spec of config.sources) {
      if (spec.type !== 'file') continue
      for (const c of candidates) {
        const site = matchSourcePath(spec.path, c)
        if (site !== null) return { format: format ?? spec.format, site: spec.site ?? site }
      }
    }
  } else {
    const stdin = config.sources.find((s) => s.type === 'stdin')
    if (stdin) return { format: format ?? stdin.format, site: stdin.site ?? '' }
  }
  return { format: format ?? 'auto', site: '' }
}
