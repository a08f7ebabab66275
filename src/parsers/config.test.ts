import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { UsageError } from '../core/errors.js'
import { FORMAT_NAMES, formatConfig, parseFormatFlag } from './config.js'
import { createParser } from './index.js'

const message = (v: unknown): string => {
  const r = formatConfig.safeParse(v)
  if (r.success) throw new Error(`${JSON.stringify(v)} was accepted`)
  return z.prettifyError(r.error)
}

describe('formatConfig', () => {
  test('accepts every name, and every name makes a parser', () => {
    for (const name of FORMAT_NAMES) {
      expect(formatConfig.parse(name)).toBe(name)
      expect(typeof createParser(formatConfig.parse(name)).parse).toBe('function')
    }
  })

  test('accepts custom formats and JSON field maps', () => {
    expect(formatConfig.parse({ apache: '%h %l %u %t "%r" %>s %b' })).toEqual({ apache: '%h %l %u %t "%r" %>s %b' })
    expect(formatConfig.parse({ nginx: '$remote_addr [$time_local] "$request" $status' })).toBeTruthy()
    expect(formatConfig.parse({ json: { ip: 'client.ip', time: 'ts' } })).toEqual({
      json: { ip: 'client.ip', time: 'ts' },
    })
    expect(formatConfig.parse({ json: {} })).toEqual({ json: {} })
  })

  test('an unknown name lists the known ones', () => {
    const m = message('apache2')
    expect(m).toContain('unknown format "apache2"')
    for (const name of FORMAT_NAMES) expect(m).toContain(name)
  })

  test('a custom format that cannot be tokenized says why', () => {
    expect(message({ nginx: '$remote_addr$remote_user [$time_local]' })).toMatch(/directly followed by another field/)
    expect(message({ apache: '%h %l %u "%r" %>s' })).toMatch(/no time field/)
    expect(message({ apache: '%{%Q}t %h' })).toMatch(/unsupported time format/)
    expect(message({ nginx: '[$time_local] "$request"' })).toMatch(/no client address/)
  })

  test('objects: exactly one kind, no unknown keys, no unknown JSON fields', () => {
    expect(message({ apache: '%h %t', nginx: '$remote_addr $msec' })).toMatch(/exactly one/)
    expect(message({ caddy: 'x' })).toMatch(/caddy/)
    expect(message({ json: { ipaddr: 'x' } })).toMatch(/ipaddr/)
    expect(message(42)).toMatch(/format name/)
  })

  test('has a JSON Schema with descriptions', () => {
    const schema = JSON.stringify(z.toJSONSchema(formatConfig))
    expect(schema).toContain('vhost_combined')
    expect(schema).toContain('LogFormat')
  })
})

describe('parseFormatFlag', () => {
  test('names, apache:… and nginx:…', () => {
    expect(parseFormatFlag('combined')).toBe('combined')
    expect(parseFormatFlag('apache:%h %l %u %t "%r" %>s %b')).toEqual({ apache: '%h %l %u %t "%r" %>s %b' })
    expect(parseFormatFlag('nginx:$remote_addr [$time_local] "$request"')).toEqual({
      nginx: '$remote_addr [$time_local] "$request"',
    })
  })

  test('an unknown name is a UsageError listing the known names', () => {
    expect(() => parseFormatFlag('logfmt')).toThrow(UsageError)
    expect(() => parseFormatFlag('logfmt')).toThrow(/known formats: auto, common, combined, vhost_combined/)
    expect(() => parseFormatFlag('logfmt')).toThrow(/apache:<LogFormat>, nginx:<log_format>$/)
    expect(() => parseFormatFlag('nginx:$remote_addr$status')).toThrow(/--format "nginx:\$remote_addr\$status"/)
    expect(() => parseFormatFlag('combnied')).toThrow('unknown format (did you mean "combined"?); known formats')
    expect(() => parseFormatFlag('logfmt')).not.toThrow(/did you mean/)
  })

  test('a bare format string is told how to pass it', () => {
    expect(() => parseFormatFlag('%h %t "%r"')).toThrow(`write --format 'apache:%h %t "%r"'`)
    expect(() => parseFormatFlag('$remote_addr [$time_local]')).toThrow(
      `write --format 'nginx:$remote_addr [$time_local]'`,
    )
  })
})
