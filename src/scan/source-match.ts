import type { LookoutConfig } from '../config/schema.js'
import type { FormatConfig } from '../parsers/config.js'
import { matchSourcePath } from '../sources/file/match-path.js'

export { matchSourcePath }

/** Rotation suffixes: `.1`, `.2.gz`, `.gz`, `-20250101`, `-20250101.gz`. */
const ROTATED = /(?:\.\d{1,3}|-\d{8})?(?:\.gz)?$/

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
