/**
 * The WebAssembly pass must read every line exactly as the line splitter and the parser do: the same lines, the same
 * events (made on demand), the same unparsed lines, and never call QUIET a line the engine's prefilter would look at.
 * Checked line by line against readLines + parseLines, on the parser test files, hostile and odd lines, and a
 * generated day, in every CLF format and `auto`, with reads so small that lines and their carries span many of them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { builtInConfig } from '../config/defaults.js'
import { createIpMatcher } from '../core/ip.js'
import { isParseFailure, type ParseResult, type Parser } from '../core/types.js'
import { compileRules } from '../detectors/compile.js'
import { prefilterFor } from '../detectors/engine.js'
import { generateTraffic } from '../generator/index.js'
import type { FormatConfig } from '../parsers/config.js'
import { createParser, parseLines } from '../parsers/index.js'
import { readLines } from '../sources/file/read-lines.js'
import type { ScanBatch } from './batch.js'
import { clfBatches } from './clf-batches.js'

const MAX = 1024
const config = builtInConfig()
const prefilter = prefilterFor(compileRules(config))
const proxies = createIpMatcher(['10.0.0.0/8'])
const noProxies = createIpMatcher([])
let dir = ''

/** Odd lines the test files do not have, around the pass's own decisions. */
const ODD = [
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /index.php HTTP/1.1" 200 512 "-" "curl/8"\r',
  '\r',
  '',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /caf\u00e9 HTTP/1.1" 200 512 "-" "curl/8"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /a\u0000b HTTP/1.1" 200 512 "-" "x"',
  `203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /${'a'.repeat(MAX)} HTTP/1.1" 200 512 "-" "x"`,
  `203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /${'\u00e9'.repeat(MAX)} HTTP/1.1" 200 512 "-" "x"`,
  `203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /${'b'.repeat(5 * MAX)} HTTP/1.1" 200 512 "-" "x"\r`,
  '2001:DB8::0001 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"',
  '2001:db8:0:0:0:0:0:1 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"',
  '::ffff:198.51.100.7 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"',
  '1:2:3:4:5:6:7:8:9 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"',
  'fe80::1%eth0 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"',
  'host.example - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"',
  '010.1.2.3 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 1000 512 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 - "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 12x "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "PUT /wp-login.php HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "HEAD /xmlrpc.php HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "- / HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET - HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET \\"\\" HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "-" 400 0 "-" "-"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET ? HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /?author=1 HTTP/1.1" 301 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /?p=1&AUTHOR=2 HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /?rest_route=/wp/v2/users HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /x?y=%41 HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /a%2Fb HTTP/1.1" 404 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET //wp-login.php HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /./xmlrpc.php HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /wp-config.php.bak HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /db.sql HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /db.sql.gz HTTP/1.1" 404 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /backup.zip HTTP/1.1" 403 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /wp-json/wp/v2/users HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "POST /wp-login.php HTTP/1.1" 200 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "POST /wp-login.php HTTP/1.1" 302 1 "-" "x"',
  '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET /wp-login.php HTTP/1.1" 200 1 "-" "x"',
  '10.1.1.1 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "x" "198.51.100.4"',
  '10.1.1.1 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "x" "-"',
  'shop.example:443 203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
  'Shop.Example 2001:db8::5 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
  '[2001:db8::1]:8080 203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
  '{"time":"2025-10-10T13:55:36Z","remote_addr":"203.0.113.9","request":"GET / HTTP/1.1","status":200}',
  '{"time":"2025-10-10T13:55:37Z","remote_addr":"203.0.113.9","request":"GET / HTTP/1.1","status":200}',
  '{"time":"2025-10-10T13:55:38Z","remote_addr":"203.0.113.9","request":"GET / HTTP/1.1","status":200}',
  '203.0.113.9 - - [10/Oct/2025:13:55:39 +0000] "GET /after-json HTTP/1.1" 200 1 "-" "x"',
  '<190>Oct 10 13:55:40 web nginx: 203.0.113.9 - - [10/Oct/2025:13:55:40 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
  '[Fri Oct 10 13:55:41.000000 2025] [core:error] [pid 1] [client 203.0.113.9:1] AH00126: Invalid URI',
  '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003',
]

/** The lines of the parser test files (comments and all), the odd lines, and a generated hour. */
function corpus(): string {
  const testdata = new URL('../parsers/testdata/', import.meta.url).pathname
  const files = readdirSync(testdata)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => readFileSync(join(testdata, f), 'utf8'))
  const hour = [
    ...generateTraffic({ seed: 7, start: Date.UTC(2025, 9, 10), durationMs: 3_600_000, sites: 4, linesPerSecond: 2 }),
  ].map((l) => l.line)
  return [...files, ODD.join('\n'), hour.join('\n'), ODD.join('\n')].join('\n')
}

const eventOf = (r: ParseResult) => (isParseFailure(r) ? r : { ...r })

/** Every line's result through the pass, in the form the reference gives them. */
async function throughPass(path: string, format: FormatConfig, chunkBytes: number, xff = true) {
  const parser = createParser(format, { trustedProxies: xff ? proxies : noProxies })
  const out: { lines: number; unparsed: number; events: unknown[]; quiet: number } = {
    lines: 0,
    unparsed: 0,
    events: [],
    quiet: 0,
  }
  const opts = {
    parser,
    site: 'fallback.example',
    prefilter: prefilter.spec(),
    xff: true,
    maxLineBytes: MAX,
    chunkBytes,
  }
  for await (const b of clfBatches(path, opts) as AsyncIterable<ScanBatch>) {
    out.lines += b.lines
    while (b.next()) {
      const e = b.event()
      if (!b.maybe) {
        out.quiet++
        // QUIET: no rule can match, and the fields the scan loop reads without the event are the event's
        expect(prefilter.mayMatch(e)).toBe(false)
        expect(b.ip()).toBe(e.ip)
        expect(b.site()).toBe(e.site)
      }
      expect(b.time).toBe(e.time)
      out.events.push({ line: b.line(), event: eventOf(e) })
    }
    out.unparsed += b.unparsed
  }
  return out
}

async function reference(path: string, format: FormatConfig, xff = true) {
  const parser = createParser(format, { trustedProxies: xff ? proxies : noProxies })
  const out: { lines: number; unparsed: number; events: unknown[] } = { lines: 0, unparsed: 0, events: [] }
  for await (const b of readLines(path, { maxLineBytes: MAX })) {
    out.lines += b.lines.length
    parseLines(parser, b, 'fallback.example').forEach((r, i) => {
      if (isParseFailure(r)) out.unparsed++
      else out.events.push({ line: b.lines[i], event: eventOf(r) })
    })
  }
  return out
}

describe('the WebAssembly scan pass', () => {
  let path = ''
  let noNewline = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-clf-batches-'))
    path = join(dir, 'corpus.log')
    writeFileSync(path, corpus())
    noNewline = join(dir, 'last.log')
    writeFileSync(noNewline, `${ODD.slice(0, 12).join('\n')}\n${'c'.repeat(3 * MAX)}\n${ODD[0]?.trimEnd()}`)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const format of ['auto', 'combined', 'vhost_combined', 'common', 'nginx'] as const) {
    it(`reads every line as the parser does (${format})`, async () => {
      const want = await reference(path, format)
      for (const chunk of [97, 1500, 256 * 1024]) {
        const got = await throughPass(path, format, chunk)
        expect(got.lines).toBe(want.lines)
        expect(got.unparsed).toBe(want.unparsed)
        expect(got.events).toEqual(want.events)
        // (most lines are quiet: the pass is used)
        expect(got.quiet).toBeGreaterThan(want.events.length / 2)
      }
      // without trusted proxies the pass skips what follows the byte count
      const plain = await reference(path, format, false)
      for (const chunk of [1500, 1 << 20]) {
        const got = await throughPass(path, format, chunk, false)
        expect(got).toMatchObject({ lines: plain.lines, unparsed: plain.unparsed, events: plain.events })
      }
    })
  }

  it('asks the parser again, after each line it reads, whether it still reads lines as CLF (Parser.lock)', async () => {
    // a parser that reads CLF, but once it has read a line with `relock` no longer promises to read lines as CLF does
    const clf = createParser('combined')
    let relocked = 0
    const parser: Parser = {
      parse(line, site) {
        if (line.includes('relock')) relocked = 1
        const r = clf.parse(line, site)
        return isParseFailure(r) || relocked === 0 ? r : { ...r, user: 'read-by-the-parser' }
      },
      lock: () => relocked,
    }
    const quiet = '203.0.113.9 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "x"'
    const login = '203.0.113.9 - - [10/Oct/2025:13:55:37 +0000] "POST /wp-login.php HTTP/1.1" 200 1 "-" "relock"'
    const file = join(dir, 'relock.log')
    writeFileSync(file, `${[quiet, quiet, login, quiet, quiet].join('\n')}\n`)
    const seen: [boolean, string][] = []
    const opts = { parser, site: '', prefilter: prefilter.spec(), xff: false, maxLineBytes: MAX, chunkBytes: 4096 }
    for await (const b of clfBatches(file, opts) as AsyncIterable<ScanBatch>) {
      while (b.next()) seen.push([b.maybe, b.event().user])
    }
    expect(seen).toEqual([
      [false, ''],
      [false, ''],
      [true, 'read-by-the-parser'],
      [true, 'read-by-the-parser'],
      [true, 'read-by-the-parser'],
    ])
  })

  it('skips the quiet lines nobody watches, up to the bound and the next sweep, and no further', async () => {
    const at = (sec: number, ip: string, status = 200) =>
      `${ip} - - [10/Oct/2025:13:55:${String(sec).padStart(2, '0')} +0000] "GET /a HTTP/1.1" ${status} 5 "-" "x"`
    const lines = [
      at(0, '203.0.113.1'),
      at(1, '203.0.113.2'),
      at(2, '2001:db8::2'),
      at(3, '203.0.113.3'),
      at(4, '198.51.100.9'), // (watched below)
      at(5, '2001:db8::9'), // (watched below)
      at(6, '203.0.113.4'),
      at(7, '203.0.113.5', 404), // (a 404: the 404-scan rule may count it)
      at(8, '203.0.113.6'),
    ]
    const file = join(dir, 'skip.log')
    writeFileSync(file, `${lines.join('\n')}\n`)
    const t0 = Date.UTC(2025, 9, 10, 13, 55, 0)
    const watchedV4 = (198 << 24) | (51 << 16) | (100 << 8) | 9
    const watched = { ipv4: (bits: number) => bits >>> 0 === watchedV4 >>> 0, ip: (ip: string) => ip === '2001:db8::9' }
    const none = { ipv4: () => false, ip: () => false }
    const opts = {
      parser: createParser('auto'),
      site: '',
      prefilter: prefilter.spec(),
      xff: false,
      maxLineBytes: MAX,
      chunkBytes: 4096,
    }
    const batch = async (): Promise<ScanBatch> => {
      for await (const b of clfBatches(file, opts) as AsyncIterable<ScanBatch>) return b
      throw new Error('no batch')
    }
    // from line 0: lines 1-3 pass, line 4's client is watched
    let b = await batch()
    expect(b.next()).toBe(true)
    expect(b.skip(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, watched)).toBe(3)
    expect(b.skippedTime).toBe(t0 + 3000)
    expect(b.next() && b.time).toBe(t0 + 4000)
    // line 5's (IPv6) client is watched
    expect(b.skip(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, watched)).toBe(0)
    expect(b.next() && b.time).toBe(t0 + 5000)
    // a line some rule may match stops it, watched or not
    expect(b.skip(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, none)).toBe(1)
    expect(b.next() && [b.time, b.maybe]).toEqual([t0 + 7000, true])
    // the bound (another file's next line: at most) and the next sweep (before)
    b = await batch()
    expect(b.next()).toBe(true)
    expect(b.skip(t0 + 2000, Number.POSITIVE_INFINITY, none)).toBe(2)
    expect(b.next() && b.time).toBe(t0 + 3000)
    expect(b.skip(Number.POSITIVE_INFINITY, t0 + 6000, none)).toBe(2)
    expect(b.skippedTime).toBe(t0 + 5000)
    expect(b.next() && b.time).toBe(t0 + 6000)
  })

  it('keeps a last line without a newline, and cuts over-long lines as the splitter does', async () => {
    const want = await reference(noNewline, 'auto')
    for (const chunk of [64, 4096]) {
      const got = await throughPass(noNewline, 'auto', chunk)
      expect(got).toMatchObject({ lines: want.lines, unparsed: want.unparsed, events: want.events })
    }
  })
})
