import { z } from 'zod'
import { ConfigError, UsageError } from '../core/errors.js'
import { nearest } from '../core/suggest.js'
import { compileApacheFormat } from './apache-format.js'
import { FORMAT_NAMES, type FormatName, isFormatName } from './format-names.js'
import { JSON_FIELDS, type JsonField } from './json.js'
import { compileNginxFormat } from './nginx-format.js'

export { FORMAT_NAMES, type FormatName } from './format-names.js'

const FORMAT_HELP: Record<FormatName, string> = {
  auto: 'recognise combined / common / vhost_combined / syslog-wrapped / JSON from the lines themselves',
  common: 'Apache common log format',
  combined: 'Apache combined (also what nginx writes by default)',
  vhost_combined: 'Apache vhost_combined: "%v:%p %h %l %u %t ..." (the site comes from the line)',
  nginx: "nginx's default combined format (an alias of combined)",
  syslog: 'an access line behind a syslog header (RFC 3164 or 5424), e.g. nginx access_log syslog:',
  json: 'JSON access logs with the usual field names (remote_addr, time_iso8601, request, status, ...)',
}

const knownList = `known formats: ${FORMAT_NAMES.join(', ')}, or {apache: "<LogFormat>"}, {nginx: "<log_format>"}, {json: {field map}}`

/** Runs a format compiler, turning its error into a zod issue message. */
function compiles(compile: (f: string) => unknown): (f: string, ctx: z.RefinementCtx) => void {
  return (f, ctx) => {
    try {
      compile(f)
    } catch (err) {
      const message = err instanceof ConfigError ? err.issues.map((i) => i.message).join('; ') : String(err)
      ctx.addIssue({ code: 'custom', message })
    }
  }
}

const fieldDescriptions: Record<JsonField, string> = {
  ip: 'key of the client address (default: remote_addr, client_ip, ...)',
  time: 'key of the time: ISO 8601, CLF stamp or epoch seconds/ms (default: time_iso8601, time_local, @timestamp, ...)',
  site: 'key of the virtual host (default: host, server_name, vhost)',
  method: 'key of the request method (default: request_method, method)',
  path: 'key of the path, with or without ?query (default: request_uri, uri, path)',
  query: 'key of the query string (default: args, query_string)',
  request: 'key of the whole request line "GET /x HTTP/1.1" (default: request)',
  protocol: 'key of the protocol (default: server_protocol, protocol)',
  status: 'key of the status code (default: status)',
  bytes: 'key of the response size (default: body_bytes_sent, bytes_sent, bytes)',
  referer: 'key of the Referer header (default: http_referer, referer)',
  userAgent: 'key of the User-Agent header (default: http_user_agent, user_agent)',
  user: 'key of the authenticated user (default: remote_user, user)',
  xff: 'key of X-Forwarded-For (default: http_x_forwarded_for)',
}

const jsonFieldMap = z.strictObject(
  Object.fromEntries(
    JSON_FIELDS.map((f) => [f, z.string().min(1).optional().describe(fieldDescriptions[f])]),
  ) as Record<JsonField, z.ZodOptional<z.ZodString>>,
)

/** ` (did you mean "combined"?)` for a near miss of a format name, else ''. */
const didYouMean = (input: unknown): string => {
  const close = typeof input === 'string' ? nearest(input, FORMAT_NAMES) : undefined
  return close === undefined ? '' : ` (did you mean "${close}"?)`
}

const formatName = z
  .string()
  .refine(isFormatName, {
    error: (iss) => `unknown format ${JSON.stringify(iss.input)}${didYouMean(iss.input)}; ${knownList}`,
  })
  .describe(FORMAT_NAMES.map((n) => `${n}: ${FORMAT_HELP[n]}`).join('; '))

const formatObject = z
  .strictObject({
    apache: z
      .string()
      .min(1)
      .superRefine(compiles(compileApacheFormat))
      .optional()
      .describe('an Apache LogFormat string, e.g. "%h %l %u %t \\"%r\\" %>s %b"'),
    nginx: z
      .string()
      .min(1)
      .superRefine(compiles(compileNginxFormat))
      .optional()
      .describe('an nginx log_format string, e.g. "$remote_addr - $remote_user [$time_local] \\"$request\\" ..."'),
    json: jsonFieldMap.optional().describe('JSON access logs; map event fields to keys where the defaults do not fit'),
  })
  .refine((o) => Object.keys(o).length === 1, { error: 'give exactly one of apache, nginx or json' })

/** `sources[].format`: a format name, or a custom Apache/nginx format string, or a JSON field map. */
export const formatConfig = z
  .union([formatName, formatObject], { error: `expected a format name or an object; ${knownList}` })
  .describe(`Log format of the source. ${knownList}`)
export type FormatConfig = z.output<typeof formatConfig>

/**
 * The CLI's `--format F`: a name, `apache:<LogFormat>` or `nginx:<log_format>`.
 * Throws UsageError naming the known formats.
 */
export function parseFormatFlag(s: string): FormatConfig {
  let value: unknown = s
  if (s.startsWith('apache:')) value = { apache: s.slice(7) }
  else if (s.startsWith('nginx:')) value = { nginx: s.slice(6) }
  const r = formatConfig.safeParse(value)
  if (r.success) return r.data
  if (value !== s) {
    // apache:… or nginx:…: what is wrong with the format string
    throw new UsageError(`--format ${JSON.stringify(s)}: ${r.error.issues.map((i) => i.message).join('; ')}`)
  }
  // (a name: the flag's own spelling of the other formats, and a hint when it looks like a format string)
  const looksLike = s.includes('%') ? 'apache' : s.includes('$') ? 'nginx' : null
  const hint = looksLike === null ? '' : `; for a ${looksLike} format string write --format '${looksLike}:${s}'`
  throw new UsageError(
    `--format ${JSON.stringify(s)}: unknown format${didYouMean(s)}; known formats: ${FORMAT_NAMES.join(', ')}, apache:<LogFormat>, nginx:<log_format>${hint}`,
  )
}
