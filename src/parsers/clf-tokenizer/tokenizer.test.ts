/**
 * The WebAssembly tokenizer reads bytes without bounds checks (see tokenizer.as.ts): what it makes of a line must
 * never depend on the bytes around it, and characters beyond ASCII must never act as delimiters.
 */
import { describe, expect, test } from 'vitest'
import type { LineBatch, ParseResult } from '../../core/types.js'
import { LineSplitter } from '../../sources/line-splitter.js'
import { createClfParser } from '../clf.js'
import { parseLines } from '../index.js'

const LINES = [
  '203.0.113.7 - - [05/Mar/2024:10:01:38 +0100] "POST /wp-login.php HTTP/1.1" 200 512 "https://a.example/" "Mozilla/5.0"',
  'shop.example:443 198.51.100.4 - alice [05/Mar/2024:10:01:39 +0100] "GET /?author=1 HTTP/2.0" 301 0 "-" "curl/8"',
  '2001:db8::1 - - [05/Mar/2024:10:01:40 +0100] "GET /xmlrpc.php?rsd HTTP/1.0" 404 - "-" "-" "10.0.0.1"',
  '10.0.0.9 - - [05/Mar/2024:10:01:41.250 -05:30] "GET / HTTP/1.1" 200 7',
]

/** Lines as a file holds them, split by the splitter: a batch whose lines the parser may read as bytes. */
function batchOf(lines: string[]): LineBatch {
  const s = new LineSplitter(64 * 1024)
  const chunk = Buffer.from(`${lines.join('\n')}\n`)
  const got = s.push(chunk)
  expect(got).toEqual(lines)
  return {
    path: 'test',
    site: '',
    fingerprint: null,
    lines: got,
    startOffset: 0,
    endOffset: chunk.length,
    bytes: chunk.length,
    truncated: 0,
    raw: s.lastRaw,
  }
}

describe('CLF tokenizer', () => {
  test('every cut of every line parses the same alone and between whole lines', () => {
    const alone = createClfParser()
    const inBatch = createClfParser()
    const cuts: string[] = []
    for (const line of LINES) for (let k = 0; k <= line.length; k++) cuts.push(line.slice(0, k))
    // each cut is followed by a whole line: the bytes after its end look like a line going on
    const lines = cuts.flatMap((c, i) => [c, LINES[i % LINES.length] as string])
    const batch = batchOf(lines)
    expect(batch.raw?.starts.every((n) => n >= 0)).toBe(true)
    const results = parseLines(inBatch, batch, 'site')
    // alone: the scratch still holds the longer line parsed before, past the cut
    const single: ParseResult[] = []
    for (const line of lines) single.push(alone.parse(line, 'site'))
    expect(results).toEqual(single)
    expect(single.filter((r) => 'error' in r).length).toBeGreaterThan(cuts.length / 2) // (most cuts are broken)
  })

  test('characters beyond ASCII are never delimiters (U+0122 is not a quote, U+3020 not a space)', () => {
    const p = createClfParser()
    const line =
      '203.0.113.7 - - [05/Mar/2024:10:01:38 +0100] "GET /x\u0122 404 1 \u0122\u3020 HTTP/1.1" 200 5 "-" "\u0122 ua\u0122"'
    expect(p.parse(line, '')).toMatchObject({
      method: 'GET',
      path: '/x\u0122 404 1 \u0122\u3020',
      status: 200,
      bytes: 5,
      userAgent: '\u0122 ua\u0122',
    })
    // the same line read from a file (UTF-8 bytes, so the string path) agrees
    const s = new LineSplitter(1024)
    const [fromFile] = s.push(Buffer.from(`${line}\n`))
    expect(fromFile).toBe(line)
    expect(s.lastRaw?.starts).toEqual([-1])
  })

  test('lines and batches bigger than its memory make it grow', () => {
    const p = createClfParser()
    const huge = `203.0.113.7 - - [05/Mar/2024:10:01:38 +0100] "GET /${'a'.repeat(300_000)} HTTP/1.1" 200 5 "-" "ua"`
    expect(p.parse(huge, '')).toMatchObject({ path: `/${'a'.repeat(300_000)}`, userAgent: 'ua' })
    const many = Array.from({ length: 20_000 }, (_, i) =>
      (LINES[i % LINES.length] as string).replace('7 -', `${i % 10} -`),
    )
    const results = parseLines(p, batchOf(many), '')
    expect(results).toHaveLength(many.length)
    expect(results.every((r) => !('error' in r))).toBe(true)
    expect(results[3]).toEqual(p.parse(many[3] as string, ''))
  })
})

describe('CLF tokenizer: texts remembered by slot', () => {
  test('vhosts and clients that differ only beyond ASCII keep their own site and address', () => {
    const p = createClfParser()
    const at = (vhost: string, client: string) =>
      `${vhost}:443 ${client} - - [05/Mar/2024:10:01:38 +0100] "GET / HTTP/1.1" 200 5 "-" "ua"`
    // (one byte per character, anything beyond ASCII as 0x80: these read the same to the tokenizer)
    for (const [vhost, site] of [
      ['caf\u00e9.example', 'caf\u00e9.example'],
      ['caf\u00e8.example', 'caf\u00e8.example'],
      ['CAF\u00c9.example', 'caf\u00e9.example'],
    ]) {
      expect(p.parse(at(vhost as string, '2001:db8::1'), '')).toMatchObject({ site, ip: '2001:db8::1' })
    }
    expect(p.parse(at('a.example', '2001:db8::\u00e9'), '')).toEqual({ error: 'client address is not an IP' })
    expect(p.parse(at('a.example', '2001:db8::1'), '')).toMatchObject({ site: 'a.example', ip: '2001:db8::1' })
  })

  test('a text seen again gives what it gave the first time, in batches and alone', () => {
    const p = createClfParser()
    const lines = ['Shop.Example:443 2001:DB8:0::7', 'shop.example 2001:db8::7', 'Shop.Example:443 2001:db8::7'].map(
      (head) => `${head} - - [05/Mar/2024:10:01:38 +0100] "GET / HTTP/1.1" 200 5 "-" "ua"`,
    )
    const twice = [...lines, ...lines]
    const results = parseLines(p, batchOf(twice), '')
    for (const r of results) expect(r).toMatchObject({ site: 'shop.example', ip: '2001:db8::7' })
    expect(twice.map((l) => p.parse(l, ''))).toEqual(results)
  })
})
