/**
 * RuleSpec → CompiledRule: pure (no I/O), done once at startup and by `lookout check`. Patterns, status sets and
 * allow lists are compiled here so that the engine's hot path only calls prepared closures.
 */
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import { createIpMatcher, type IpMatcher } from '../core/ip.js'
import type { KeyKind, LogEvent, Severity } from '../core/types.js'
import type { PacksConfig, RuleOverride } from './config.js'
import { formatDuration } from './duration.js'
import { type Pack, packRule } from './packs/pack.js'
import { webPack } from './packs/web.js'
import { JETPACK_RANGES, JETPACK_RULES, wordpressPack } from './packs/wordpress.js'
import { compilePattern, compileValuePattern, type PathPattern, PathSet, PatternError } from './pattern.js'
import { queryValue } from './query.js'
import type { DistinctField, FilterOrList, FilterSpec, RuleSpec } from './rule-spec.js'
import { parseStatusRange } from './status-range.js'

/** A compiled filter. `path` is the event's canonical path (see canonicalPath), computed once per event. */
export interface EventFilter {
  test(e: LogEvent, path: string): boolean
  /** every path this filter can match, when it matches exact paths only (the engine indexes by them); else null */
  readonly exactPaths: ReadonlySet<string> | null
  /**
   * The alternatives, each split into its path part and the rest: `test(e, path)` is true when some alternative has
   * `path(path) && fields(e)`. The engine caches the path parts per path and runs only `fields` per event.
   */
  readonly alts: readonly FilterAlt[]
}

/** One alternative of a filter (one FilterSpec). */
export interface FilterAlt {
  /** `path` and `not_path` of the spec on a canonical path; null when the spec has neither */
  readonly path: ((path: string) => boolean) | null
  /** everything else (service, method, status, outcome, query) */
  readonly fields: (e: LogEvent) => boolean
  /** what an event needs to have any chance to pass (the engine rejects ordinary events with it before any lookup) */
  readonly shape: AltShape
}

/**
 * Necessary conditions of one alternative, cheap to test by character codes: an event outside them cannot pass the
 * alternative (an event inside them may or may not: the alternative itself decides).
 */
export interface AltShape {
  /** the statuses it accepts (index < 600, 1 = yes), or null for any */
  readonly status: Uint8Array | null
  /** the methods it accepts, or null for any */
  readonly methods: readonly string[] | null
  /** it needs a non-empty query */
  readonly needsQuery: boolean
  /** its `path` patterns (what the canonical path must match), or null when it has none */
  readonly paths: PathSet | null
  /** query keys one of which the query must hold (`query_keys`, else the first `query` key), or null */
  readonly queryKeys: readonly string[] | null
}

export interface CompiledThreshold {
  readonly kind: 'count' | 'distinct'
  readonly count: number
  /** the window, ms */
  readonly within: number
  /** for `distinct`: the field counted */
  readonly field: DistinctField | null
  /** for findings and logs: "5 in 1m", "3 distinct query:author in 10m" */
  readonly label: string
  /** counts only the rule's events that also pass this */
  readonly filter: EventFilter | null
  /** ring of time buckets for counts: `buckets` × `bucketMs` = `within` */
  readonly buckets: number
  readonly bucketMs: number
  /** most distinct values kept per key (enough to see 10× growth) */
  readonly cap: number
}

export interface CompiledRule {
  readonly name: string
  readonly description: string
  /** the built-in pack it comes from; null for a user rule */
  readonly pack: string | null
  readonly key: KeyKind
  readonly severity: Severity
  readonly filter: EventFilter
  readonly thresholds: readonly CompiledThreshold[]
  /** IPs this rule never counts (e.g. Jetpack for xmlrpc-abuse) */
  readonly allow: IpMatcher | null
  /** events that remove their IP from the rule's distinct-IP counts */
  readonly forgive: EventFilter | null
  /** the longest threshold window (ms): a key quiet this long holds nothing */
  readonly maxWindow: number
}

interface Config {
  readonly packs: PacksConfig
  readonly rules: readonly RuleSpec[]
  readonly configFile?: string | null
}

/**
 * The rules to run: the enabled built-in packs (with their overrides) and the user's rules.
 * Throws ConfigError listing every problem (bad pattern, clashing names) at once.
 */
export function compileRules(cfg: Config): CompiledRule[] {
  const issues: ConfigIssue[] = []
  const file = cfg.configFile ?? '<config>'
  const out: CompiledRule[] = []
  const builtIn = new Map<string, string>()

  const packs: [Pack, PacksConfig[keyof PacksConfig]][] = [
    [wordpressPack, cfg.packs.wordpress],
    [webPack, cfg.packs.web],
  ]
  for (const [pack, setting] of packs) {
    if (setting === false || (typeof setting === 'object' && !setting.enabled)) continue
    const settings = typeof setting === 'object' ? (setting as Record<string, unknown>) : {}
    for (const input of pack.rules) {
      const spec = packRule(input) // the packs are code: a failure here is a bug, not a config error
      const override = settings[spec.name] as RuleOverride | undefined
      if (override === false || (typeof override === 'object' && !override.enabled)) continue
      builtIn.set(spec.name, pack.name)
      if (typeof override === 'object') {
        if (override.thresholds) spec.thresholds = override.thresholds
        if (override.severity) spec.severity = override.severity
      }
      if (pack === wordpressPack && JETPACK_RULES.includes(spec.name)) {
        const wp =
          typeof setting === 'object' ? (setting as { jetpack_allow: boolean; jetpack_ranges: string[] }) : null
        if (wp === null || wp.jetpack_allow) {
          spec.allow = [...spec.allow, ...(wp?.jetpack_ranges ?? JETPACK_RANGES)]
        }
      }
      compileOne(spec, pack.name, `packs.${pack.name}.${spec.name}`)
    }
  }
  cfg.rules.forEach((spec, i) => {
    const clash = builtIn.get(spec.name)
    if (clash) {
      issues.push({
        file,
        line: 0,
        column: 0,
        path: `rules[${i}].name`,
        message: `"${spec.name}" is a rule of the ${clash} pack; pick another name (switch the built-in off with packs.${clash}.${spec.name}: false)`,
      })
      return
    }
    compileOne(spec, null, `rules[${i}]`)
  })
  if (issues.length) throw new ConfigError(issues)
  return out

  function compileOne(spec: RuleSpec, pack: string | null, where: string): void {
    try {
      out.push(compileRule(spec, pack))
    } catch (err) {
      if (!(err instanceof PatternError)) throw err
      issues.push({ file, line: 0, column: 0, path: where, message: err.message })
    }
  }
}

/** One RuleSpec → CompiledRule (deep-frozen). Throws PatternError for a bad pattern or CIDR. */
export function compileRule(spec: RuleSpec, pack: string | null = null): CompiledRule {
  const thresholds = spec.thresholds.map((t): CompiledThreshold => {
    const buckets = Math.max(1, Math.min(t.within >= 6 * 3_600_000 ? 96 : 60, t.within))
    const field = t.kind === 'distinct' ? t.field : null
    return Object.freeze({
      kind: t.kind,
      count: t.count,
      within: t.within,
      field,
      label: `${t.count}${field ? ` distinct ${field}` : ''} in ${formatDuration(t.within)}`,
      filter: t.filter ? compileFilter(t.filter) : null,
      buckets,
      bucketMs: t.within / buckets,
      cap: Math.min(Math.max(t.count * 10, 64), 4096),
    })
  })
  let allow: IpMatcher | null = null
  if (spec.allow.length) {
    try {
      allow = createIpMatcher(spec.allow)
    } catch (err) {
      throw new PatternError(`allow: ${(err as Error).message}`)
    }
  }
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    pack,
    key: spec.key,
    severity: spec.severity,
    filter: compileFilter(spec.filter),
    thresholds: Object.freeze(thresholds),
    allow,
    forgive: spec.forgive ? compileFilter(spec.forgive) : null,
    maxWindow: Math.max(...thresholds.map((t) => t.within)),
  })
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] =>
  v === undefined ? [] : Array.isArray(v) ? (v as readonly T[]) : [v as T]

/** A filter (or a list of alternatives) → one closure. */
export function compileFilter(f: FilterOrList): EventFilter {
  const specs = list<FilterSpec>(f).map(compileSpec)
  let exactPaths: Set<string> | null = new Set()
  for (const a of specs) {
    if (a.exactPaths === null) exactPaths = null
    else if (exactPaths) for (const p of a.exactPaths) exactPaths.add(p)
  }
  const alts = specs.map((a) => a.alts[0] as FilterAlt)
  if (specs.length === 1) return specs[0] as EventFilter
  const tests = specs.map((a) => a.test)
  return {
    exactPaths,
    alts,
    test: (e, path) => {
      for (const t of tests) if (t(e, path)) return true
      return false
    },
  }
}

function compileSpec(f: FilterSpec): EventFilter {
  const service = f.service ?? null
  const methods = list(f.method).map((m) => m.toUpperCase())
  const method = methods.length === 1 ? (methods[0] as string) : null
  const methodSet = methods.length > 1 ? new Set(methods) : null
  let status: Uint8Array | null = null
  for (const s of list(f.status)) {
    const range = parseStatusRange(s)
    if (!range) throw new PatternError(`not an HTTP status: ${JSON.stringify(s)}`)
    status ??= new Uint8Array(600)
    status.fill(1, range[0], range[1] + 1)
  }
  const paths = f.path === undefined ? null : new PathSet(list(f.path).map(compilePattern))
  const notPaths = f.not_path === undefined ? null : new PathSet(list(f.not_path).map(compilePattern))
  const outcome = f.outcome ?? null
  const qkeys = f.query_keys ?? null
  const notQkeys = f.not_query_keys ?? null
  const qvals: [string, PathPattern[]][] = Object.entries(f.query ?? {}).map(([k, v]) => [
    k,
    list(v).map(compileValuePattern),
  ])
  const needsQuery = qkeys !== null || qvals.length > 0
  // cheapest and most selective checks first: most events fail on the first or second
  const fields = (e: LogEvent): boolean => {
    const q = e.query
    if (needsQuery && q === '') return false
    if (status !== null && status[e.status] !== 1) return false
    if (method !== null ? e.method !== method : methodSet !== null && !methodSet.has(e.method)) return false
    if (service !== null && e.service !== service) return false
    if (outcome !== null && e.outcome !== outcome) return false
    if (qkeys !== null && !qkeys.some((k) => !!queryValue(q, k))) return false
    for (const [k, pats] of qvals) {
      const v = queryValue(q, k)
      if (v === null || !pats.some((p) => p.test(v))) return false
    }
    if (notQkeys !== null && q !== '' && notQkeys.some((k) => queryValue(q, k) !== null)) return false
    return true
  }
  const pathTest =
    paths === null && notPaths === null
      ? null
      : notPaths === null
        ? (path: string) => (paths as PathSet).test(path)
        : paths === null
          ? (path: string) => !notPaths.test(path)
          : (path: string) => paths.test(path) && !notPaths.test(path)
  const test =
    pathTest === null ? (e: LogEvent) => fields(e) : (e: LogEvent, path: string) => fields(e) && pathTest(path)
  const queryKeys = qkeys ?? (qvals.length > 0 ? [(qvals[0] as [string, PathPattern[]])[0]] : null)
  const shape: AltShape = { status, methods: methods.length > 0 ? methods : null, needsQuery, paths, queryKeys }
  return { test, exactPaths: paths?.exactOnly ? paths.exact : null, alts: [{ path: pathTest, fields, shape }] }
}
