/**
 * nginx `log_format` strings (https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format) compiled into a
 * template. The format may be pasted as in nginx.conf: several single-quoted pieces (`'$remote_addr - ' '"$request"'`).
 */
import type { Parser } from '../core/types.js'
import type { ParserOptions } from './event.js'
import { compileTemplate, createTemplateParser, type Field, formatError, type Part, type Template } from './template.js'
import { readClfTime, readEpoch, readIsoTime, type TimeReader } from './time.js'

/** nginx's built-in `combined`, and `main` as shipped in nginx.conf (and the official Docker image). */
export const NGINX_FORMATS = {
  combined:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  main:
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" ' +
    '"$http_user_agent" "$http_x_forwarded_for"',
} as const

const VARS: Record<string, Field> = {
  remote_addr: 'ip',
  remote_user: 'user',
  request: 'request',
  request_method: 'method',
  request_uri: 'path',
  uri: 'path',
  document_uri: 'path',
  args: 'query',
  query_string: 'query',
  server_protocol: 'protocol',
  status: 'status',
  body_bytes_sent: 'bytes',
  bytes_sent: 'bytes',
  http_referer: 'referer',
  http_user_agent: 'userAgent',
  http_x_forwarded_for: 'xff',
  host: 'vhost',
  server_name: 'vhost',
}

const TIME_VARS: Record<string, TimeReader> = {
  time_local: (s, p) => readClfTime(s, p, false),
  time_iso8601: readIsoTime,
  msec: (s, p) => readEpoch(s, p, 's'),
}

/** Joins nginx.conf quoting: `'$a - ' '"$b"'` → `$a - "$b"`. Unquoted input is returned as is. */
function unquote(fmt: string): string {
  const t = fmt.trim()
  if (!t.startsWith("'") || !t.endsWith("'") || t.length < 2) return fmt
  let out = ''
  let i = 0
  while (i < t.length) {
    const c = t[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (c !== "'") return fmt // not a list of quoted pieces after all
    const close = t.indexOf("'", i + 1)
    if (close < 0) return fmt
    out += t.slice(i + 1, close)
    i = close + 1
  }
  return out
}

const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c)

export function compileNginxFormat(format: string): Template {
  const fmt = unquote(format)
  const what = `nginx format ${JSON.stringify(format)}`
  const parts: Part[] = []
  let lit = ''
  let i = 0
  while (i < fmt.length) {
    const ch = fmt[i] as string
    if (ch !== '$') {
      lit += ch
      i++
      continue
    }
    let name: string
    const start = i
    if (fmt[i + 1] === '{') {
      const close = fmt.indexOf('}', i)
      if (close < 0) throw formatError(`${what}: unclosed \${ at column ${start + 1}`)
      name = fmt.slice(i + 2, close)
      i = close + 1
    } else {
      i++
      while (isNameChar(fmt[i])) i++
      name = fmt.slice(start + 1, i)
    }
    if (name === '' || !/^[A-Za-z0-9_]+$/.test(name)) {
      throw formatError(`${what}: bad variable at column ${start + 1}`)
    }
    if (lit !== '') {
      parts.push({ lit })
      lit = ''
    }
    const reader = TIME_VARS[name]
    if (reader !== undefined) parts.push({ field: 'time', name: `$${name}`, reader })
    else parts.push({ field: VARS[name] ?? 'skip', name: `$${name}` })
  }
  if (lit !== '') parts.push({ lit })
  return compileTemplate(parts, what)
}

export function createNginxParser(format: string, opts: ParserOptions = {}): Parser {
  return createTemplateParser(compileNginxFormat(format), opts)
}
