/**
 * JSON access logs (nginx `log_format ... escape=json '{...}'`, Apache with a JSON LogFormat, ECS-like shippers).
 * Each event field is looked up under a list of usual key names, or under the one key the user maps it to; a key
 * may be a dotted path into nested objects (`http.request.method`). JSON.parse is linear, so hostile lines are safe.
 */
import type { ParseResult, Parser } from '../core/types.js'
import { failure, finish, newScratch, type ParserOptions } from './event.js'
import { timeFromValue } from './time.js'

export const JSON_FIELDS = [
  'ip',
  'time',
  'site',
  'method',
  'path',
  'query',
  'request',
  'protocol',
  'status',
  'bytes',
  'referer',
  'userAgent',
  'user',
  'xff',
] as const
export type JsonField = (typeof JSON_FIELDS)[number]
export type JsonFieldMap = { [K in JsonField]?: string | undefined }

/** The keys tried, in order, when the user does not map a field. */
export const JSON_DEFAULT_KEYS: Readonly<Record<JsonField, readonly string[]>> = {
  ip: ['remote_addr', 'client_ip', 'clientip', 'remote_ip', 'ip', 'client'],
  time: ['time_iso8601', 'time_local', '@timestamp', 'timestamp', 'time', 'msec', 'ts'],
  site: ['host', 'server_name', 'vhost', 'virtual_host'],
  method: ['request_method', 'method', 'verb'],
  path: ['request_uri', 'uri', 'path', 'url'],
  query: ['args', 'query_string', 'query'],
  request: ['request'],
  protocol: ['server_protocol', 'protocol'],
  status: ['status', 'response', 'status_code'],
  bytes: ['body_bytes_sent', 'bytes_sent', 'bytes', 'size'],
  referer: ['http_referer', 'referer', 'referrer'],
  userAgent: ['http_user_agent', 'user_agent', 'useragent', 'agent'],
  user: ['remote_user', 'user'],
  xff: ['http_x_forwarded_for', 'x_forwarded_for', 'xff'],
}

type Lookup = ReadonlyArray<{ key: string; path: readonly string[] | null }>

function compileKeys(keys: readonly string[]): Lookup {
  return keys.map((key) => ({ key, path: key.includes('.') ? key.split('.') : null }))
}

function lookup(obj: Record<string, unknown>, keys: Lookup): unknown {
  for (const k of keys) {
    const v = obj[k.key]
    if (v !== undefined && v !== null) return v
    if (k.path !== null) {
      let cur: unknown = obj
      for (const part of k.path) {
        if (typeof cur !== 'object' || cur === null) {
          cur = undefined
          break
        }
        cur = (cur as Record<string, unknown>)[part]
      }
      if (cur !== undefined && cur !== null) return cur
    }
  }
  return undefined
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')

export function createJsonParser(map: JsonFieldMap = {}, opts: ParserOptions = {}): Parser {
  const keys = {} as Record<JsonField, Lookup>
  for (const field of JSON_FIELDS) {
    const mapped = map[field]
    keys[field] = compileKeys(mapped !== undefined ? [mapped] : JSON_DEFAULT_KEYS[field])
  }
  return {
    parse(line: string, site: string): ParseResult {
      let start = 0
      while (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9) start++
      if (line.charCodeAt(start) !== 123 /* { */) return failure('not a JSON object')
      let obj: unknown
      try {
        obj = JSON.parse(line)
      } catch {
        return failure('invalid JSON')
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return failure('not a JSON object')
      const o = obj as Record<string, unknown>
      // a fresh (young) scratch per line: storing new strings into a long-lived object costs a write barrier each
      const f = newScratch()
      f.ip = str(lookup(o, keys.ip))
      const t = lookup(o, keys.time)
      f.time = t === undefined ? Number.NaN : timeFromValue(t)
      if (t !== undefined && Number.isNaN(f.time)) return failure('bad timestamp')
      f.vhost = str(lookup(o, keys.site))
      f.method = str(lookup(o, keys.method))
      f.path = str(lookup(o, keys.path))
      f.query = str(lookup(o, keys.query))
      f.request = str(lookup(o, keys.request))
      f.protocol = str(lookup(o, keys.protocol))
      f.status = str(lookup(o, keys.status))
      f.bytes = str(lookup(o, keys.bytes))
      f.referer = str(lookup(o, keys.referer))
      f.userAgent = str(lookup(o, keys.userAgent))
      f.user = str(lookup(o, keys.user))
      f.xff = str(lookup(o, keys.xff))
      return finish(f, site, opts)
    },
  }
}
