/**
 * A log format compiled once into a tokenizer: a leading literal, then field slots each followed by the literal that
 * separates it from the next. Parsing a line walks the slots with startsWith/indexOf; nothing backtracks.
 *
 * How a slot finds its end:
 * - a time slot reads its own text (the reader knows the stamp's shape, spaces included);
 * - a quoted slot (the literal before it ends with `"` and the one after starts with `"`) ends at the next unescaped
 *   quote, so quotes escaped by the server (`\"`, `\x22`) stay inside the value;
 * - any other slot ends at the next occurrence of the literal after it, or at the end of the line for the last one.
 *   So free text with spaces (request, user agent) must be quoted in the format unless it is the last field.
 * Text after the last literal is ignored (servers append fields; a format string often lags behind its config), and
 * so is text after a last field that never holds a space (the `common` format's `%b` on a combined line: the built-in
 * `common` reads such lines too).
 */
import { ConfigError } from '../core/errors.js'
import type { ParseResult, Parser } from '../core/types.js'
import {
  closeQuote,
  ERROR_LOG_LINE,
  failure,
  finish,
  isErrorLogLine,
  newScratch,
  type ParserOptions,
  type Scratch,
} from './event.js'
import { type TimeReader, timeResult } from './time.js'

/** Which event field a slot fills; 'skip' for fields lookout does not use. */
export type Field = Exclude<keyof Scratch, 'time'> | 'time' | 'skip'

export type Part = { lit: string } | { field: Field; name: string; reader?: TimeReader }

interface Slot {
  field: Field
  reader: TimeReader | undefined
  quoted: boolean
  /** the literal after the slot ('' for the last slot when the format ends with it) */
  next: string
  /** the last slot, ending the format, of a field without spaces: it ends at the first space */
  token: boolean
}

/** Fields whose text never holds a space (an X-Forwarded-For list does: `a, b`). */
const TOKEN_FIELDS: ReadonlySet<Field> = new Set<Field>(['ip', 'vhost', 'status', 'bytes', 'method', 'protocol'])

export interface Template {
  head: string
  slots: Slot[]
}

export function formatError(message: string): ConfigError {
  return new ConfigError([{ file: '<format>', line: 0, column: 0, path: 'format', message }])
}

const isQueryPart = (p: Part): boolean => 'field' in p && (p.field === 'query' || p.name === '$is_args')

/** Builds the slot list from parts; throws ConfigError for formats that cannot be tokenized. */
export function compileTemplate(parts: readonly Part[], what: string): Template {
  const merged: Part[] = []
  for (const p of parts) {
    const last = merged[merged.length - 1]
    if ('lit' in p && last !== undefined && 'lit' in last) merged[merged.length - 1] = { lit: last.lit + p.lit }
    // `%U%q`, `$uri$is_args$args`: the path slot takes the query with it (finish() splits at '?')
    else if ('field' in p && last !== undefined && 'field' in last && last.field === 'path' && isQueryPart(p)) continue
    else merged.push(p)
  }
  let head = ''
  let i = 0
  const first = merged[0]
  if (first !== undefined && 'lit' in first) {
    head = first.lit
    i = 1
  }
  const slots: Slot[] = []
  let prevLit = head
  let hasField = false
  for (; i < merged.length; i++) {
    const p = merged[i] as Part
    if ('lit' in p) continue
    const after = merged[i + 1]
    const next = after !== undefined && 'lit' in after ? after.lit : ''
    if (next === '' && after !== undefined && p.reader === undefined) {
      throw formatError(`${what}: ${p.name} is directly followed by another field; put a separator between them`)
    }
    const quoted = prevLit.endsWith('"') && next.startsWith('"')
    const token = after === undefined && TOKEN_FIELDS.has(p.field)
    slots.push({ field: p.field, reader: p.reader, quoted, next, token })
    if (p.field === 'ip') hasField = true
    prevLit = next
  }
  if (!hasField) throw formatError(`${what}: the format has no client address field`)
  if (!slots.some((s) => s.field === 'time')) throw formatError(`${what}: the format has no time field`)
  return { head, slots }
}

function assign(f: Scratch, field: Field, v: string): void {
  switch (field) {
    case 'ip':
      f.ip = v
      break
    case 'vhost':
      f.vhost = v
      break
    case 'user':
      f.user = v
      break
    case 'request':
      f.request = v
      break
    case 'method':
      f.method = v
      break
    case 'path':
      f.path = v
      break
    case 'query':
      f.query = v
      break
    case 'protocol':
      f.protocol = v
      break
    case 'status':
      f.status = v
      break
    case 'bytes':
      if (f.bytes === '' || f.bytes === '-') f.bytes = v
      break
    case 'referer':
      f.referer = v
      break
    case 'userAgent':
      f.userAgent = v
      break
    case 'xff':
      f.xff = v
      break
    default:
      break
  }
}

/** A Parser running a compiled template. */
export function createTemplateParser(t: Template, opts: ParserOptions): Parser {
  const { head, slots } = t
  const n = slots.length
  const fail = (line: string, reason: string): ParseResult => failure(isErrorLogLine(line) ? ERROR_LOG_LINE : reason)
  return {
    parse(line: string, site: string): ParseResult {
      // a fresh (young) scratch per line: storing new strings into a long-lived object costs a write barrier each
      const f = newScratch()
      if (!line.startsWith(head)) return fail(line, 'line does not match the format')
      let pos = head.length
      for (let i = 0; i < n; i++) {
        const s = slots[i] as Slot
        if (s.reader !== undefined) {
          const e = s.reader(line, pos)
          if (e < 0) return fail(line, 'bad timestamp')
          f.time = timeResult.ms
          pos = e
        } else {
          let e: number
          if (s.quoted) e = closeQuote(line, pos)
          else if (s.token) {
            e = line.indexOf(' ', pos)
            if (e < 0) e = line.length
          } else if (s.next === '') e = line.length
          else e = line.indexOf(s.next, pos)
          if (e < 0) return fail(line, 'line does not match the format')
          if (s.field !== 'skip') assign(f, s.field, line.slice(pos, e))
          pos = e
        }
        if (!line.startsWith(s.next, pos)) return fail(line, 'line does not match the format')
        pos += s.next.length
      }
      return finish(f, site, opts)
    },
  }
}
