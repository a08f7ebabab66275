/**
 * Parsers: a line of text in, a LogEvent (or a ParseFailure saying why not) out. Pure and synchronous.
 *
 *   createParser('combined')                    the CLF family (common, combined, vhost_combined, nginx)
 *   createParser('syslog')                      the same behind an RFC 3164/5424 header
 *   createParser('json') / ({json: {...}})      JSON lines with a field map
 *   createParser({apache: '%h ... %t "%r"'})    any LogFormat / log_format, compiled once into a tokenizer
 *   createParser('auto')                        recognises the above from the lines and locks in
 */
import type { LineBatch, ParseResult, Parser } from '../core/types.js'
import { isParseFailure } from '../core/types.js'
import { createApacheParser } from './apache-format.js'
import { createClfParser } from './clf.js'
import type { FormatConfig } from './config.js'
import { ERROR_LOG_LINE, failure, isErrorLogLine, type ParserOptions } from './event.js'
import { createJsonParser } from './json.js'
import { createNginxParser } from './nginx-format.js'
import { createSyslogParser } from './syslog.js'

export type { FormatConfig, FormatName } from './config.js'
// (formatConfig, parseFormatFlag and FORMAT_NAMES live in ./config.js: importing them from here would load zod
// into every process that only parses lines)
export type { ParserOptions } from './event.js'
export { ERROR_LOG_LINE, isErrorLogLine } from './event.js'

/**
 * Nginx Proxy Manager's formats (its nginx.conf `proxy` and `standard`, each also seen with and without the
 * `[Sent-to $server]` column) and the catch-all layout CrowdSec's hub recognises for it. `auto` tries them.
 */
export const NPM_FORMATS: readonly string[] = [
  '[$time_local] $upstream_cache_status $upstream_status $status - $request_method $scheme $host "$request_uri" ' +
    '[Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio] [Sent-to $server] "$http_user_agent" "$http_referer"',
  '[$time_local] $upstream_cache_status $upstream_status $status - $request_method $scheme $host "$request_uri" ' +
    '[Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio] "$http_user_agent" "$http_referer"',
  '[$time_local] $status - $request_method $scheme $host "$request_uri" ' +
    '[Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio] [Sent-to $server] "$http_user_agent" "$http_referer"',
  '[$time_local] $status - $request_method $scheme $host "$request_uri" ' +
    '[Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio] "$http_user_agent" "$http_referer"',
  '[$time_local] $host $remote_addr $request_time "$request" $status $body_bytes_sent $bytes_sent $http_referer $http_user_agent',
]

/** Every line of a batch parsed, in order: through the parser's parseBatch where it has one. */
export function parseLines(parser: Parser, batch: LineBatch, site: string): ParseResult[] {
  const out: ParseResult[] = []
  if (parser.parseBatch !== undefined) parser.parseBatch(batch, site, out)
  else for (const line of batch.lines) out.push(parser.parse(line, site))
  return out
}

/** After this many lines in a row parsed by another candidate than the locked one, `auto` switches to it. */
const RELOCK_AFTER = 3

/**
 * `auto`: tries the locked format first; when it fails, the other candidates in order. A line another candidate
 * parses is returned as that candidate's event (files do mix formats, e.g. after a config change), and after
 * RELOCK_AFTER such lines in a row that candidate becomes the locked one. Lines no candidate parses get the locked
 * format's reason (or "error-log line").
 */
function createAutoParser(opts: ParserOptions): Parser {
  const clf = createClfParser(opts)
  const json = createJsonParser({}, opts)
  const candidates: Parser[] = [
    clf,
    createSyslogParser(clf, json),
    json,
    ...NPM_FORMATS.map((f) => createNginxParser(f, opts)),
  ]
  let locked = 0
  let other = -1
  let otherRun = 0
  const parse = (line: string, site: string): ParseResult => {
    const first = (candidates[locked] as Parser).parse(line, site)
    if (!isParseFailure(first)) {
      otherRun = 0
      return first
    }
    if (first.error === ERROR_LOG_LINE || isErrorLogLine(line)) return failure(ERROR_LOG_LINE)
    for (let i = 0; i < candidates.length; i++) {
      if (i === locked) continue
      const r = (candidates[i] as Parser).parse(line, site)
      if (isParseFailure(r)) continue
      if (i === other) otherRun++
      else {
        other = i
        otherRun = 1
      }
      if (otherRun >= RELOCK_AFTER) {
        locked = i
        other = -1
        otherRun = 0
      }
      return r
    }
    return first
  }
  return {
    parse,
    parseBatch(batch: LineBatch, site: string, out: ParseResult[]): void {
      const lines = batch.lines
      const first = out.length
      if (locked !== 0) {
        for (let i = 0; i < lines.length; i++) out.push(parse(lines[i] as string, site))
        return
      }
      // locked onto the CLF family (the usual case): its batch parse, then the lines it could not read go through
      // `parse` in order (which may lock onto another format: the lines after that are read again the same way)
      clf.parseBatch?.(batch, site, out)
      for (let i = 0; i < lines.length; i++) {
        const r = out[first + i] as ParseResult
        if (locked === 0 && !isParseFailure(r)) {
          otherRun = 0
          continue
        }
        out[first + i] = parse(lines[i] as string, site)
      }
    },
    lock: () => locked * 64 + otherRun,
  }
}

/** The formats the CLF parser (clf.ts) reads. */
export const isClfFormat = (format: FormatConfig): boolean =>
  format === 'common' || format === 'combined' || format === 'vhost_combined' || format === 'nginx'

/** A parser for a validated format config (see formatConfig / parseFormatFlag). */
export function createParser(format: FormatConfig, opts: ParserOptions = {}): Parser {
  if (isClfFormat(format)) return createClfParser(opts)
  if (typeof format === 'string') {
    switch (format) {
      case 'auto':
        return createAutoParser(opts)
      case 'syslog':
        return createSyslogParser(createClfParser(opts), createJsonParser({}, opts))
      case 'json':
        return createJsonParser({}, opts)
      default:
        throw new Error(`unknown format ${JSON.stringify(format)} (validate with formatConfig first)`)
    }
  }
  if (format.apache !== undefined) return createApacheParser(format.apache, opts)
  if (format.nginx !== undefined) return createNginxParser(format.nginx, opts)
  if (format.json !== undefined) return createJsonParser(format.json, opts)
  throw new Error('empty format object (validate with formatConfig first)')
}
