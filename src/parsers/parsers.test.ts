import { describe, expect, test } from 'vitest'
import { seededRandom as rng } from '../core/prng.js'
import { isParseFailure, type LineBatch, type LogEvent, type ParseResult } from '../core/types.js'
import { APACHE_FORMATS, createApacheParser } from './apache-format.js'
import { createClfParser } from './clf.js'
import { FORMAT_NAMES } from './config.js'
import { createParser, parseLines } from './index.js'
import { createNginxParser, NGINX_FORMATS } from './nginx-format.js'
import { compileStrftime, readClfTime, timeFromValue, timeResult } from './time.js'

const EVENT_KEYS = [
  'time',
  'ip',
  'site',
  'service',
  'method',
  'path',
  'query',
  'protocol',
  'status',
  'bytes',
  'referer',
  'userAgent',
  'user',
  'outcome',
]

const asEvent = (r: ParseResult): LogEvent => {
  if (isParseFailure(r)) throw new Error(`expected an event, got ${r.error}`)
  return r
}

const GOOD = '203.0.113.7 - - [05/Mar/2024:10:01:38 +0100] "GET /a?b=1 HTTP/1.1" 200 45 "https://r.example/" "UA/1.0"'

describe('events have one fixed shape', () => {
  test.each(['combined', 'json', 'syslog', 'auto'] as const)('%s', (name) => {
    const line =
      name === 'json'
        ? '{"remote_addr":"203.0.113.7","time":"2024-03-05T09:01:38Z","status":200}'
        : name === 'syslog'
          ? `Mar  5 10:01:38 host nginx: ${GOOD}`
          : GOOD
    expect(Object.keys(asEvent(createParser(name).parse(line, 's')))).toEqual(EVENT_KEYS)
  })
  test('custom formats too', () => {
    expect(
      Object.keys(
        asEvent(
          createNginxParser('$remote_addr [$time_local] "$request"').parse(
            '203.0.113.7 [05/Mar/2024:10:01:38 +0100] "GET / HTTP/1.1"',
            's',
          ),
        ),
      ),
    ).toEqual(EVENT_KEYS)
  })
})

describe('hostile input never throws', () => {
  const parsers = [
    ...FORMAT_NAMES.map((n) => createParser(n)),
    createApacheParser(APACHE_FORMATS.vhost_combined),
    createNginxParser(NGINX_FORMATS.main),
    createParser({ json: { ip: 'a.b.c', time: 't' } }),
  ]
  const check = (line: string): void => {
    for (const p of parsers) {
      const r = p.parse(line, 'site')
      if (isParseFailure(r)) expect(typeof r.error).toBe('string')
      else expect(Object.keys(r)).toEqual(EVENT_KEYS)
    }
  }

  test('NUL bytes, U+FFFD, control characters, lone surrogates', () => {
    check(GOOD.replace('UA/1.0', 'a\u0000b\ufffd\u0001\u001b[31m\ud800'))
    check('\u0000'.repeat(1000))
    check(`\ufffd\ufffd${GOOD}`)
    expect(asEvent(createClfParser().parse(GOOD.replace('UA/1.0', 'x\u0000\ufffdy'), '')).userAgent).toBe(
      'x\u0000\ufffdy',
    )
  })

  test('a megabyte line (as cut by the reader) and a line of quotes or backslashes', () => {
    check(GOOD.replace('/a?b=1', `/${'A'.repeat(1 << 20)}`))
    check(`203.0.113.7 - - [05/Mar/2024:10:01:38 +0100] "${'\\"'.repeat(200_000)}`)
    check('"'.repeat(500_000))
    check('\\'.repeat(500_000))
    check(`[${'['.repeat(200_000)}`)
    check(`{${'{"a":'.repeat(10_000)}`)
    check(`<1>1 ${'['.repeat(100_000)}`)
  })

  test('seeded fuzz: mutations of real lines', () => {
    const next = rng(42)
    const seeds = [
      GOOD,
      `shop.example:443 ${GOOD}`,
      `<190>1 2025-11-05T20:47:03Z web nginx - - [a b="c"] ${GOOD}`,
      '{"remote_addr":"2001:db8::1","time_local":"05/Mar/2024:10:01:38 +0100","request":"GET / HTTP/1.1","status":200}',
    ]
    const alphabet = ' "[]\\:/-{}<>,\u0000\ufffd0123456789abcdefx%$?'
    for (let i = 0; i < 1500; i++) {
      const chars = [...(seeds[i % seeds.length] as string)]
      const edits = 1 + Math.floor(next() * 6)
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * chars.length)
        const op = next()
        const ch = alphabet[Math.floor(next() * alphabet.length)] as string
        if (op < 0.4) chars[at] = ch
        else if (op < 0.7) chars.splice(at, 1)
        else chars.splice(at, 0, ch)
      }
      check(chars.join(''))
    }
  })
})

describe('custom formats agree with the hand-written CLF parser on the stock formats', () => {
  const lines = [
    GOOD,
    '198.51.100.24 - alice [25/Oct/2024:11:05:52 +0200] "GET /private/?x=1 HTTP/1.1" 304 - "-" "curl/8.5.0"',
    '2001:db8::5 - - [18/Jul/2025:14:14:47 -0400] "\\x16\\x03\\x01" 400 0 "-" "-"',
    '192.0.2.9 - - [18/Jul/2025:14:14:47 -0400] "GET /a\\" b HTTP/1.1" 404 0 "x\\"y" "z\\\\"',
  ]
  const clf = createClfParser()
  test.each([
    ['apache combined', createApacheParser(APACHE_FORMATS.combined)],
    ['nginx combined', createNginxParser(NGINX_FORMATS.combined)],
    ['nginx main', createNginxParser(NGINX_FORMATS.main)],
  ])('%s', (_name, p) => {
    for (const line of lines) {
      const l = _name === 'nginx main' ? `${line} "-"` : line
      expect(p.parse(l, 's'), l).toEqual(clf.parse(line, 's'))
    }
  })
  test('apache common and vhost_combined', () => {
    const common = '192.0.2.10 - - [05/Mar/2021:09:01:38 +0100] "GET /a.txt HTTP/1.0" 200 1513'
    expect(createApacheParser(APACHE_FORMATS.common).parse(common, 's')).toEqual(clf.parse(common, 's'))
    const vhost = `shop.example:443 ${GOOD}`
    expect(createApacheParser(APACHE_FORMATS.vhost_combined).parse(vhost, 's')).toEqual(clf.parse(vhost, 's'))
    expect(asEvent(clf.parse(vhost, 's')).site).toBe('shop.example')
  })
})

describe('what a custom format does with text after its last field', () => {
  test('a last field without spaces ends at the first space: the common LogFormat reads combined lines', () => {
    const common = createApacheParser(APACHE_FORMATS.common)
    const e = asEvent(common.parse(GOOD, 's'))
    expect([e.status, e.bytes, e.referer, e.userAgent]).toEqual([200, 45, '', ''])
    const nginx = createNginxParser('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent')
    expect(asEvent(nginx.parse(GOOD, 's')).bytes).toBe(45)
    // what follows must still be apart: a count glued to other text is no count
    expect(common.parse(GOOD.replace('200 45 ', '200 45x '), 's')).toEqual({ error: 'bad byte count' })
  })
  test('a last field that may hold spaces takes the rest of the line', () => {
    const p = createApacheParser('%h %l %u %t "%r" %>s %b %{User-Agent}i')
    const line = '203.0.113.7 - - [05/Mar/2024:10:01:38 +0100] "GET / HTTP/1.1" 200 45 Mozilla/5.0 (X11; Linux)'
    expect(asEvent(p.parse(line, 's')).userAgent).toBe('Mozilla/5.0 (X11; Linux)')
  })
})

describe('time', () => {
  test('CLF stamps with zones', () => {
    const at = (s: string, bracketed = true): number => {
      expect(readClfTime(s, 0, bracketed)).toBe(s.length)
      return timeResult.ms
    }
    expect(at('[05/Mar/2024:10:01:38 +0100]')).toBe(Date.parse('2024-03-05T09:01:38Z'))
    expect(at('[05/Mar/2024:10:01:38 -0730]')).toBe(Date.parse('2024-03-05T17:31:38Z'))
    expect(at('[31/Dec/2023:23:59:59 -0100]')).toBe(Date.parse('2024-01-01T00:59:59Z'))
    expect(at('[29/Feb/2024:00:00:00 +0000]')).toBe(Date.parse('2024-02-29T00:00:00Z'))
    expect(at('[31/Jan/2015:14:29:44 ]')).toBe(Date.parse('2015-01-31T14:29:44Z'))
    expect(at('[31/Jan/2015:14:29:44]')).toBe(Date.parse('2015-01-31T14:29:44Z'))
    expect(at('05/mar/2024:10:01:38 +0100', false)).toBe(Date.parse('2024-03-05T09:01:38Z'))
    for (const bad of ['[05/Mar/2024:24:01:38 +0100]', '[05/Mxr/2024:10:01:38 +0100]', '[5/Mar/2024:10:01:38 +0100]']) {
      expect(readClfTime(bad, 0, true), bad).toBe(-1)
    }
  })
  test('strftime formats', () => {
    const r = compileStrftime('%Y-%m-%d %T %z')
    expect(r?.('2024-03-05 10:01:38 +0100', 0)).toBe(25)
    expect(timeResult.ms).toBe(Date.parse('2024-03-05T09:01:38Z'))
    const r2 = compileStrftime('%a, %e %b %Y %H:%M:%S %Z')
    expect(r2?.('Tue,  5 Mar 2024 09:01:38 GMT', 0)).toBe(29)
    expect(timeResult.ms).toBe(Date.parse('2024-03-05T09:01:38Z'))
    expect(compileStrftime('%Q')).toBeNull()
  })
  test('JSON time values', () => {
    expect(timeFromValue(1591603483)).toBe(1591603483000)
    expect(timeFromValue(1591603483123)).toBe(1591603483123)
    expect(timeFromValue('1591603483.5')).toBe(1591603483500)
    expect(timeFromValue('2020-06-08T08:04:43.123+02:00')).toBe(Date.parse('2020-06-08T06:04:43.123Z'))
    expect(timeFromValue('08/Jun/2020:08:04:43 +0000')).toBe(Date.parse('2020-06-08T08:04:43Z'))
    expect(timeFromValue('2020-06-08T08:04:43Zjunk')).toBeNaN()
    expect(timeFromValue(true)).toBeNaN()
  })
})

test('auto locks in and still follows a format change', () => {
  const p = createParser('auto')
  const syslog = (i: number): string =>
    `Mar  5 10:01:${String(i).padStart(2, '0')} web nginx: 203.0.113.${i} - - [05/Mar/2024:10:01:38 +0100] "GET / HTTP/1.1" 200 1 "-" "-"`
  for (let i = 0; i < 10; i++) expect(asEvent(p.parse(syslog(i), '')).ip).toBe(`203.0.113.${i}`)
  expect(asEvent(p.parse(GOOD, '')).ip).toBe('203.0.113.7')
  const json = '{"remote_addr":"203.0.113.99","time":"2024-03-05T09:01:38Z","status":200}'
  for (let i = 0; i < 5; i++) expect(asEvent(p.parse(json, '')).ip).toBe('203.0.113.99')
  expect(asEvent(p.parse(syslog(1), '')).ip).toBe('203.0.113.1')
})

/**
 * `lines` as one batch read from a file: every ASCII line's bytes found by a parser that reads bytes, the others
 * (-1) parsed from their strings (unlike the splitter, which says -1 for a whole piece that holds one such line)
 */
function fileBatch(lines: string[]): LineBatch {
  const bytes = Buffer.from(`${lines.join('\n')}\n`)
  const starts: number[] = []
  let at = 0
  for (const line of lines) {
    starts.push(/^[\x20-\x7e]*$/.test(line) ? at : -1)
    at += Buffer.byteLength(line) + 1
  }
  const none = { path: 'x', site: '', fingerprint: null, startOffset: 0, endOffset: 0, truncated: 0 }
  return { ...none, lines, bytes: bytes.length, raw: { bytes, starts } }
}

test('auto reads a batch as it reads its lines one by one, also when it locks onto another format mid-batch', () => {
  const clfLine = (i: number): string =>
    `203.0.113.${i} - - [05/Mar/2024:10:01:38 +0100] "GET /${i} HTTP/1.1" 200 1 "-" "-"`
  const json = (i: number): string => `{"remote_addr":"198.51.100.${i}","time":"2024-03-05T09:01:38Z","status":200}`
  const lines = [
    clfLine(1),
    json(1),
    clfLine(2),
    json(2),
    json(3),
    json(4), // the third in a row: auto locks onto JSON
    clfLine(3),
    json(5),
    'garbage',
    clfLine(4),
    clfLine(5),
    clfLine(6),
    clfLine(7),
  ]
  const oneByOne = createParser('auto')
  expect(parseLines(createParser('auto'), fileBatch(lines), 'site')).toEqual(
    lines.map((l) => oneByOne.parse(l, 'site')),
  )
})

test('syslog reads a batch as it reads its lines one by one', () => {
  const clfMsg = (i: number): string =>
    `203.0.113.${i} - - [05/Mar/2024:10:01:38 +0100] "GET /${i}?q=\u00e9 HTTP/1.1" 200 1 "-" "-"`
  const lines = [
    `<190>Mar  5 10:01:38 web nginx: ${clfMsg(1)}`,
    `Mar  5 10:01:39 web nginx: ${clfMsg(2)}`,
    '<190>Mar  5 10:01:40 web nginx: {"remote_addr":"198.51.100.1","time":"2024-03-05T09:01:38Z","status":200}',
    clfMsg(3), // no header
    '<190>Mar  5 10:01:41 web nginx: 2024/03/05 10:01:41 [error] 1#1: *1 open() failed',
    `<190>1 2024-03-05T10:01:42+01:00 web nginx - - - ${clfMsg(4)}`,
    `<190>Mar  5 10:01:43 web nginx: ${clfMsg(5).replace('\u00e9', 'e')}`,
    '<190>Mar  5 10:01:44 web nginx: garbage',
  ]
  const oneByOne = createParser('syslog')
  const expected = lines.map((l) => oneByOne.parse(l, 'site'))
  expect(expected.filter((r) => !isParseFailure(r))).toHaveLength(5)
  expect(parseLines(createParser('syslog'), fileBatch(lines), 'site')).toEqual(expected)
})
