/**
 * Apache `LogFormat` strings (https://httpd.apache.org/docs/2.4/mod/mod_log_config.html#formats) compiled into a
 * template. The format may be pasted as it appears in httpd.conf, with its outer quotes and `\"` escapes.
 */
import type { Parser } from '../core/types.js'
import type { ParserOptions } from './event.js'
import { compileTemplate, createTemplateParser, type Field, formatError, type Part, type Template } from './template.js'
import { compileStrftime, readClfTime, readEpoch, type TimeReader } from './time.js'

/** The stock formats, for reference and tests (the named formats use the hand-written CLF parser). */
export const APACHE_FORMATS = {
  common: '%h %l %u %t "%r" %>s %b',
  combined: '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"',
  vhost_combined: '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"',
} as const

const LETTERS: Record<string, Field> = {
  a: 'ip',
  h: 'ip',
  u: 'user',
  r: 'request',
  s: 'status',
  b: 'bytes',
  B: 'bytes',
  O: 'bytes',
  v: 'vhost',
  V: 'vhost',
  m: 'method',
  U: 'path',
  q: 'query',
  H: 'protocol',
}

const HEADERS: Record<string, Field> = {
  referer: 'referer',
  'user-agent': 'userAgent',
  'x-forwarded-for': 'xff',
}

const clfBracketed: TimeReader = (s, p) => readClfTime(s, p, true)

function timeReader(arg: string | undefined, what: string): TimeReader {
  if (arg === undefined) return clfBracketed
  let fmt = arg
  if (fmt.startsWith('begin:')) fmt = fmt.slice(6)
  else if (fmt.startsWith('end:')) fmt = fmt.slice(4)
  if (fmt === 'sec') return (s, p) => readEpoch(s, p, 's')
  if (fmt === 'msec') return (s, p) => readEpoch(s, p, 'ms')
  if (fmt === 'usec') return (s, p) => readEpoch(s, p, 'us')
  const r = compileStrftime(fmt)
  if (r === null) throw formatError(`${what}: unsupported time format %{${arg}}t`)
  return r
}

/** Removes httpd.conf quoting: `"%h \"%r\""` → `%h "%r"`. */
function unquote(fmt: string): string {
  const t = fmt.trim()
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"') && t.includes('\\"')) {
    return t.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\')
  }
  return fmt
}

export function compileApacheFormat(format: string): Template {
  const fmt = unquote(format)
  const what = `apache format ${JSON.stringify(format)}`
  const parts: Part[] = []
  let lit = ''
  let i = 0
  while (i < fmt.length) {
    const ch = fmt[i] as string
    if (ch !== '%') {
      // Apache reads \n and \t in format strings as control characters
      if (ch === '\\' && (fmt[i + 1] === 'n' || fmt[i + 1] === 't')) {
        lit += fmt[i + 1] === 'n' ? '\n' : '\t'
        i += 2
        continue
      }
      lit += ch
      i++
      continue
    }
    const start = i
    i++
    if (fmt[i] === '%') {
      lit += '%'
      i++
      continue
    }
    // modifiers: < > ! and status lists like 400,501
    while (i < fmt.length && /[<>!0-9,]/.test(fmt[i] as string)) i++
    let arg: string | undefined
    if (fmt[i] === '{') {
      const close = fmt.indexOf('}', i)
      if (close < 0) throw formatError(`${what}: unclosed %{ at column ${start + 1}`)
      arg = fmt.slice(i + 1, close)
      i = close + 1
    }
    const letter = fmt[i]
    if (letter === undefined || !/[a-zA-Z^]/.test(letter)) {
      throw formatError(`${what}: incomplete directive at column ${start + 1}`)
    }
    i++
    let name = fmt.slice(start, i)
    if (letter === '^') {
      // %{VARNAME}^ti / ^to: trailers, two letters
      i += 2
      name = fmt.slice(start, i)
    }
    if (lit !== '') {
      parts.push({ lit })
      lit = ''
    }
    if (letter === 't') {
      parts.push({ field: 'time', name, reader: timeReader(arg, what) })
    } else if (letter === 'i') {
      parts.push({ field: HEADERS[(arg ?? '').toLowerCase()] ?? 'skip', name })
    } else if (letter === 'a' && arg !== undefined && arg !== 'c') {
      parts.push({ field: 'skip', name })
    } else {
      parts.push({ field: LETTERS[letter] ?? 'skip', name })
    }
  }
  if (lit !== '') parts.push({ lit })
  return compileTemplate(parts, what)
}

export function createApacheParser(format: string, opts: ParserOptions = {}): Parser {
  return createTemplateParser(compileApacheFormat(format), opts)
}
