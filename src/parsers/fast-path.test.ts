/**
 * The hand-tokenized CLF parser's shortcuts: the timestamp cache, the shared method and protocol strings, the vhost
 * cache. Each must give exactly what reading the line from scratch gives.
 */
import { describe, expect, test } from 'vitest'
import { isParseFailure, type LogEvent, type ParseResult } from '../core/types.js'
import { createClfParser } from './clf.js'
import { readClfTime, timeResult } from './time.js'

const asEvent = (r: ParseResult): LogEvent => {
  if (isParseFailure(r)) throw new Error(`expected an event, got ${r.error}`)
  return r
}

const line = (stamp: string, request = 'GET / HTTP/1.1', head = '203.0.113.7 - -'): string =>
  `${head} [${stamp}] "${request}" 200 1 "-" "UA"`

describe('timestamp cache', () => {
  test('a NUL between the brackets is not a cached stamp, before or after one is cached', () => {
    const p = createClfParser()
    const nul = line('\u0000')
    expect(p.parse(nul, '')).toEqual({ error: 'bad timestamp' })
    expect(asEvent(p.parse(line('05/Mar/2024:10:01:38 +0100'), '')).time).toBe(Date.UTC(2024, 2, 5, 9, 1, 38))
    expect(p.parse(nul, '')).toEqual({ error: 'bad timestamp' })
  })

  test('same stamp, next second, next minute, other zone, other day: all read as from scratch', () => {
    const p = createClfParser()
    const cases: Array<[string, number]> = [
      ['05/Mar/2024:10:01:38 +0100', Date.UTC(2024, 2, 5, 9, 1, 38)],
      ['05/Mar/2024:10:01:38 +0100', Date.UTC(2024, 2, 5, 9, 1, 38)],
      ['05/Mar/2024:10:01:39 +0100', Date.UTC(2024, 2, 5, 9, 1, 39)],
      ['05/Mar/2024:10:01:60 +0100', Date.UTC(2024, 2, 5, 9, 2, 0)], // a leap second, as before
      ['05/Mar/2024:10:01:05 -0500', Date.UTC(2024, 2, 5, 15, 1, 5)],
      ['05/Mar/2024:10:02:05 -0500', Date.UTC(2024, 2, 5, 15, 2, 5)],
      ['06/Mar/2024:10:02:05 -0500', Date.UTC(2024, 2, 6, 15, 2, 5)],
      ['06/Mar/2024:10:02:05.250 -0500', Date.UTC(2024, 2, 6, 15, 2, 5, 250)],
      ['06/Mar/2024:10:02:05 +05:30', Date.UTC(2024, 2, 6, 4, 32, 5)],
      ['06/Mar/2024:10:02:05 -0500', Date.UTC(2024, 2, 6, 15, 2, 5)],
    ]
    for (const [stamp, want] of cases) expect([stamp, asEvent(p.parse(line(stamp), '')).time]).toEqual([stamp, want])
    for (const bad of ['06/Mar/2024:10:02:61 -0500', '06/Mar/2024:10:02:7x -0500', '06/Mar/2024:10:02:05 -0500 x']) {
      expect([bad, p.parse(line(bad), '')]).toEqual([bad, { error: 'bad timestamp' }])
    }
  })

  test('an unbracketed stamp (nginx $time_local) after a bracketed one', () => {
    const s = 'x 05/Mar/2024:10:01:38 +0100 y'
    expect(readClfTime(`[${s.slice(2, 28)}]`, 0, true)).toBe(28)
    expect(readClfTime(s, 2, false)).toBe(28)
    expect(timeResult.ms).toBe(Date.UTC(2024, 2, 5, 9, 1, 38))
    expect(readClfTime('05/Mar/2024:10:01:38 +0100]', 0, true)).toBe(-1)
  })
})

describe('request line', () => {
  test.each([
    ['GET /a?b=1 HTTP/1.1', 'GET', '/a', 'b=1', 'HTTP/1.1'],
    ['GOT / HTTP/1.1', 'GOT', '/', '', 'HTTP/1.1'],
    ['GETX / HTTP/1.0', 'GETX', '/', '', 'HTTP/1.0'],
    ['POST /xmlrpc.php HTTP/2.0', 'POST', '/xmlrpc.php', '', 'HTTP/2.0'],
    ['POSTS / HTTP/2', 'POSTS', '/', '', 'HTTP/2'],
    ['PUT /x HTTP/1.2', 'PUT', '/x', '', 'HTTP/1.2'],
    ['get / HTTP/1.1', 'get', '/', '', 'HTTP/1.1'],
    ['GET / HTTP/1.1 ', '', '', '', ''],
    ['GET /a b HTTP/1.1', 'GET', '/a b', '', 'HTTP/1.1'],
    ['GET /a?? HTTP/1.1', 'GET', '/a', '', 'HTTP/1.1'],
    ['GET /a??b HTTP/1.1', 'GET', '/a', 'b', 'HTTP/1.1'],
    ['GET /a HTTPS/1.1', '', '', '', ''],
    ['GET -', 'GET', '', '', ''],
    ['- / HTTP/1.1', '', '/', '', 'HTTP/1.1'],
    ['\\x16\\x03\\x01', '', '', '', ''],
  ])('%s', (request, method, path, query, protocol) => {
    const e = asEvent(createClfParser().parse(line('05/Mar/2024:10:01:38 +0100', request), ''))
    expect([e.method, e.path, e.query, e.protocol]).toEqual([method, path, query, protocol])
  })
})

describe('vhost_combined', () => {
  test('sites follow the vhost column line by line', () => {
    const p = createClfParser()
    const vhosts: Array<[string, string]> = [
      ['shop.example:443', 'shop.example'],
      ['shop.example:443', 'shop.example'],
      ['Blog.Example:80', 'blog.example'],
      ['shop.example', 'shop.example'],
      ['[2001:db8::1]:443', '2001:db8::1'],
      ['-', 'from-source'],
      ['shop.example:443', 'shop.example'],
      // same length, same first, middle and last characters: the same cache slot, told apart by the text
      ['shop-a.example:443', 'shop-a.example'],
      ['shop-b.example:443', 'shop-b.example'],
      ['shop-a.example:443', 'shop-a.example'],
      ['SHOP-A.example:443', 'shop-a.example'],
      ['', 'from-source'],
    ]
    for (const [vhost, site] of vhosts) {
      const e = asEvent(
        p.parse(line('05/Mar/2024:10:01:38 +0100', 'GET / HTTP/1.1', `${vhost} 198.51.100.20 - -`), 'from-source'),
      )
      expect([vhost, e.site, e.ip]).toEqual([vhost, site, '198.51.100.20'])
    }
  })
})
