/**
 * Runs every annotated sample in testdata/*.log (see style.md): an `# expect:` comment above each sample line says
 * what the parser must return for it. Directives at the top of a file: `# format:` (a name or a JSON format object),
 * `# site:` (the source's site), `# trusted_proxies:` (comma-separated CIDRs / presets).
 * Expectations: `none` (any ParseFailure), `{"error": "..."}` (a failure with that reason), or a subset of the event's
 * fields (`time` may be an ISO string). One parser per file, fed in order, as a source would.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { createIpMatcher } from '../core/ip.js'
import { isParseFailure } from '../core/types.js'
import { formatConfig } from './config.js'
import { createParser } from './index.js'

const dir = join(import.meta.dirname, 'testdata')
const files = readdirSync(dir).filter((f) => f.endsWith('.log'))

interface Sample {
  lineNo: number
  line: string
  expect: 'none' | Record<string, unknown>
}

function load(file: string) {
  const text = readFileSync(join(dir, file), 'utf8')
  const directives: Record<string, string> = {}
  const samples: Sample[] = []
  let pending: Sample['expect'] | null = null
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  lines.forEach((line, i) => {
    const directive = /^# (format|site|trusted_proxies): (.*)$/.exec(line)
    if (directive) directives[directive[1] as string] = directive[2] as string
    else if (line.startsWith('# expect: ')) {
      const spec = line.slice('# expect: '.length)
      pending = spec === 'none' ? 'none' : (JSON.parse(spec) as Record<string, unknown>)
    } else if (line.startsWith('#') || line === '') {
      // a comment
    } else {
      if (pending === null) throw new Error(`${file}:${i + 1}: sample line without "# expect:" above it`)
      samples.push({ lineNo: i + 1, line, expect: pending })
      pending = null
    }
  })
  return { directives, samples }
}

test('there are annotated samples', () => {
  expect(files.length).toBeGreaterThan(5)
})

describe.each(files)('%s', (file) => {
  const { directives, samples } = load(file)
  const raw = directives.format ?? 'auto'
  const format = formatConfig.parse(raw.startsWith('{') ? JSON.parse(raw) : raw)
  const trusted = directives.trusted_proxies?.split(',').map((s) => s.trim())
  const parser = createParser(format, trusted ? { trustedProxies: createIpMatcher(trusted) } : {})
  const site = directives.site ?? ''

  test('every sample parses as annotated', () => {
    expect(samples.length).toBeGreaterThan(0)
    for (const s of samples) {
      const where = `${file}:${s.lineNo}: ${s.line.slice(0, 120)}`
      const got = parser.parse(s.line, site)
      if (s.expect === 'none') {
        expect(isParseFailure(got), where).toBe(true)
        continue
      }
      if ('error' in s.expect) {
        expect(got, where).toEqual({ error: s.expect.error })
        continue
      }
      if (isParseFailure(got)) throw new Error(`${where}\n  expected an event, got ${JSON.stringify(got)}`)
      const want = { ...s.expect }
      if (typeof want.time === 'string') want.time = Date.parse(want.time)
      expect(got, where).toMatchObject(want)
    }
  })
})
