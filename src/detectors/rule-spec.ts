/**
 * The rule schema (RuleSpec): what users write under `rules:` and what the built-in packs are written in.
 * Phase 1 of the config (pure): zod validates, `compile.ts` turns a RuleSpec into a CompiledRule.
 */
import { z } from 'zod'
import { isIpOrCidrOrPreset } from '../core/ip.js'
import { parseDuration } from './duration.js'
import { compilePattern, compileValuePattern, PatternError } from './pattern.js'
import { parseStatusRange } from './status-range.js'

/**
 * The `duration` leaf schema: a string such as `30s`, `1m`, `5m`, `1h`, `24h` or `1h30m` in the config, milliseconds
 * after parsing. Zero is refused (a window must hold time).
 */
export const duration = z
  .string()
  .transform((text, ctx) => {
    const ms = parseDuration(text.trim())
    if (ms === null || ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not a duration: ${JSON.stringify(text)} (use a number and a unit: 30s, 5m, 1h, 24h, 7d)`,
      })
      return z.NEVER
    }
    return ms
  })
  .describe('A duration: a number and a unit (ms, s, m, h, d), e.g. 30s, 5m, 1h, 24h, 1h30m')

const patternSchema = (what: string, compile = compilePattern) =>
  z.string().superRefine((s, ctx) => {
    try {
      compile(s)
    } catch (err) {
      if (!(err instanceof PatternError)) throw err
      ctx.addIssue({ code: 'custom', message: `bad ${what} pattern: ${err.message}` })
    }
  })

export const pathPattern = patternSchema('path').describe(
  'A request path: exact (/wp-login.php), a prefix (/wp-admin/*: a trailing * matches the rest), or a glob ' +
    '(/*.sql: * stays within one path segment; ** crosses segments). Matched against the path, never the query',
)

const valuePattern = patternSchema('value', compileValuePattern).describe(
  'A query value: exact (/wp/v2/users) or a prefix (/wp/v2/*)',
)

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)])

const statusSpec = z
  .union([z.number(), z.string()])
  .superRefine((v, ctx) => {
    if (parseStatusRange(v) === null) {
      ctx.addIssue({
        code: 'custom',
        message: `not an HTTP status: ${JSON.stringify(v)} (use 401, "4xx" or "400-499")`,
      })
    }
  })
  .describe('An HTTP status (401), a class ("4xx") or a range ("400-499")')

export const filterSpec = z
  .strictObject({
    service: z.enum(['http', 'sshd']).optional().describe('Only events of this service'),
    method: oneOrMany(z.string().regex(/^[A-Za-z]+$/, 'an HTTP method is letters only'))
      .optional()
      .describe('HTTP method(s), e.g. POST or [GET, HEAD]'),
    path: oneOrMany(pathPattern).optional().describe('The request path matches one of these patterns'),
    not_path: oneOrMany(pathPattern).optional().describe('…and matches none of these'),
    status: oneOrMany(statusSpec).optional().describe('The response status is one of these (401, "4xx", "400-499")'),
    query_keys: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('The query string has one of these parameters, with a value (e.g. [author] for ?author=2)'),
    not_query_keys: z.array(z.string().min(1)).min(1).optional().describe('…and has none of these parameters'),
    query: z
      .record(z.string().min(1), oneOrMany(valuePattern))
      .optional()
      .describe(
        'Query parameters whose value must match a pattern, e.g. {rest_route: /wp/v2/users} (exact, trailing * for a prefix)',
      ),
    outcome: z.enum(['failure', 'success']).optional().describe('The outcome the parser saw (auth logs: sshd …)'),
  })
  .describe('Which events a rule counts: every given condition must hold')

export const filterOrList = z
  .union([filterSpec, z.array(filterSpec).min(1)])
  .describe('One filter, or a list of filters of which any may match')

export type DistinctField = 'path' | 'ip' | 'user' | 'site' | `query:${string}`
const isDistinctField = (s: string): s is DistinctField =>
  s === 'path' || s === 'ip' || s === 'user' || s === 'site' || /^query:[A-Za-z0-9_.\-[\]]+$/.test(s)

export const distinctField = z
  .string()
  .refine(isDistinctField, {
    message: "not a field to count distinct values of: use path, ip, user, site, or query:NAME (e.g. 'query:author')",
  })
  .transform((s) => s as DistinctField)
  .describe("What to count distinct values of: path, ip, user, site, or a query parameter ('query:author')")

const count = z.number().int().min(1).describe('How many events (or distinct values) make the threshold')
const within = duration.describe('The sliding window, e.g. 1m, 10m, 1h, 24h')

/**
 * A threshold: `{count, within}` (events) or `{distinct, count, within}` (distinct values). Written as one object so
 * that a mistake gets a precise message (a zod union would only say "Invalid input"); parsed into a union tagged by
 * `kind`, so code never tests for a missing field.
 */
export const thresholdSpec = z
  .strictObject({
    distinct: distinctField.optional().describe('Count distinct values of this field instead of events'),
    count,
    within,
    filter: filterOrList.optional().describe("Count only the rule's events that also match this filter"),
  })
  .transform((t): CountThreshold | DistinctThreshold => {
    const base = { count: t.count, within: t.within, ...(t.filter ? { filter: t.filter } : {}) }
    return t.distinct === undefined ? { kind: 'count', ...base } : { kind: 'distinct', field: t.distinct, ...base }
  })
  .describe(
    'At least `count` events (or, with `distinct`, distinct values; events without the field are ignored) within the window',
  )

export interface CountThreshold {
  kind: 'count'
  count: number
  within: number
  filter?: FilterOrList
}
export interface DistinctThreshold {
  kind: 'distinct'
  field: DistinctField
  count: number
  within: number
  filter?: FilterOrList
}

export const severity = z.enum(['low', 'medium', 'high', 'critical'])

export const ruleSpec = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a rule name is lowercase letters, digits, "-", "_" or "."')
      .describe('The rule name, shown in findings and alerts (e.g. wp-login-bruteforce)'),
    description: z.string().default('').describe('What the rule catches, for humans'),
    filter: filterOrList,
    key: z
      .enum(['ip', 'ip+site', 'site', 'subnet'])
      .default('ip')
      .describe(
        'How events are grouped: per ip (across sites), per ip and site, per site (many IPs), or per subnet (/24, /64)',
      ),
    thresholds: z
      .array(thresholdSpec)
      .min(1)
      .describe('One or more thresholds (e.g. a fast one and a slow one); crossing any makes a finding'),
    severity: severity.default('medium').describe('How bad a finding of this rule is on its own'),
    allow: z
      .array(
        z.string().refine(isIpOrCidrOrPreset, { message: 'not an IP address, CIDR or preset (e.g. 192.0.64.0/18)' }),
      )
      .default([])
      .describe('IPs and ranges this rule never counts (on top of the global `allow`)'),
    forgive: filterOrList
      .optional()
      .describe("An event matching this removes its IP from the rule's distinct-IP counts (e.g. a successful login)"),
  })
  .describe('A detection rule: a filter, a key, and thresholds over sliding windows')

export type FilterSpec = z.output<typeof filterSpec>
export type FilterOrList = z.output<typeof filterOrList>
export type ThresholdSpec = z.output<typeof thresholdSpec>
export type ThresholdInput = z.input<typeof thresholdSpec>
export type RuleSpec = z.output<typeof ruleSpec>
/** A rule as written in YAML (durations as text): the packs are written in this form. */
export type RuleSpecInput = z.input<typeof ruleSpec>
