import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Document, LineCounter, Node } from 'yaml'
import type { z } from 'zod'
import { ConfigError, type ConfigIssue } from '../core/errors.js'
import { nearest } from '../core/suggest.js'
import { builtInConfig, finishConfig, type LoadOptions, resolveConfigPath } from './defaults.js'
import { configJsonSchema, type LookoutConfig, rootConfig } from './schema.js'

/**
 * The YAML library, loaded when there is YAML to read: with no config file (the defaults) every command starts
 * without it (~40 ms of module loading saved). Its package resolves to the same CommonJS build for import and require.
 */
let yamlLib: typeof import('yaml') | null = null
const yaml = (): typeof import('yaml') => {
  yamlLib ??= createRequire(import.meta.url)('yaml') as typeof import('yaml')
  return yamlLib
}

export { DEFAULT_CONFIG_FILE, DEFAULT_STATE_DIR, type LoadOptions, resolveConfigPath } from './defaults.js'

/** Reads, substitutes ${ENV}, validates and freezes the config. Throws ConfigError listing every problem. */
export function loadConfig(opts: LoadOptions = {}): LookoutConfig {
  const file = resolveConfigPath(opts)
  if (file === null) return builtInConfig(opts)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message
    throw new ConfigError([{ file, line: 0, column: 0, path: '', message: `cannot read the config file: ${why}` }], {
      cause: err,
    })
  }
  return parseConfigText(text, file, opts)
}

export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): LookoutConfig {
  const env = opts.env ?? process.env
  // no text (the defaults): no YAML to read, and no positions to report unless a problem needs them
  let parsed: { doc: Document; lineCounter: LineCounter } | null = null
  const yamlDoc = (): { doc: Document; lineCounter: LineCounter } => {
    if (parsed === null) {
      const y = yaml()
      const lineCounter = new y.LineCounter()
      parsed = { doc: y.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }), lineCounter }
    }
    return parsed
  }
  const blank = text.trim() === ''
  const issues: ConfigIssue[] = []
  // after the first few, YAML errors are mostly echoes of the first one
  for (const e of blank ? [] : yamlDoc().doc.errors.slice(0, 3)) {
    const pos = yamlDoc().lineCounter.linePos(e.pos[0])
    issues.push({ file, line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0] ?? '' })
  }
  if (issues.length) throw new ConfigError(issues)

  const raw: unknown = blank ? {} : (yamlDoc().doc.toJS() ?? {})
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: 'the config must be a mapping of keys' }])
  }
  const missing: Path[] = []
  let substituted = substituteEnv(raw, [], env, (path, name) => {
    missing.push(path)
    if (!opts.tolerateMissingEnv) {
      issues.push({
        ...where(yamlDoc().doc, yamlDoc().lineCounter, path),
        file,
        path: formatPath(path),
        message: `environment variable ${name} is not set`,
      })
    }
  })
  if (opts.tolerateMissingEnv) for (const path of missing) substituted = without(substituted, path.slice(0, -1))
  const result = rootConfig.safeParse(substituted)
  if (!result.success) issues.push(...zodIssues(result.error, yamlDoc().doc, yamlDoc().lineCounter, file))
  if (issues.length || !result.success) throw new ConfigError(issues)

  return finishConfig(result.data, file, opts)
}

type Path = (string | number)[]

/** A copy of `v` without the value at `path` (an array element is removed; the root stays). */
function without(v: unknown, path: Path): unknown {
  if (!path.length || v === null || typeof v !== 'object') return v
  const [head, ...rest] = path
  if (Array.isArray(v)) {
    if (typeof head !== 'number') return v
    return rest.length ? v.map((x, i) => (i === head ? without(x, rest) : x)) : v.filter((_, i) => i !== head)
  }
  const o = { ...(v as Record<string, unknown>) }
  if (rest.length) o[String(head)] = without(o[String(head)], rest)
  else delete o[String(head)]
  return o
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** `${NAME}` in any string value is replaced by the environment variable; `$${` stays a literal `${`. */
function substituteEnv(
  v: unknown,
  path: Path,
  env: NodeJS.ProcessEnv,
  missing: (p: Path, name: string) => void,
): unknown {
  if (typeof v === 'string') {
    if (!v.includes('${')) return v
    return v
      .split('$${')
      .map((part) =>
        part.replace(ENV_REF, (_m, name: string) => {
          const value = env[name]
          if (value === undefined) {
            missing(path, name)
            return ''
          }
          return value
        }),
      )
      .join('${')
  }
  if (Array.isArray(v)) return v.map((x, i) => substituteEnv(x, [...path, i], env, missing))
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteEnv(x, [...path, k], env, missing)]))
  }
  return v
}

export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '')

/** The line and column of the deepest YAML node that exists along `path` (a key's position for unknown keys). */
function where(doc: Document, lc: LineCounter, path: Path, key?: string): { line: number; column: number } {
  let node: unknown = doc.contents
  let pos: number | undefined = (doc.contents as Node | null)?.range?.[0]
  for (const k of key === undefined ? path : [...path, key]) {
    if (yaml().isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === k)
      if (!pair) break
      pos = (pair.key as Node).range?.[0] ?? pos
      node = pair.value
      if (k !== key) pos = (node as Node | null)?.range?.[0] ?? pos
    } else if (yaml().isSeq(node) && typeof k === 'number') {
      node = node.items[k]
      if (!node) break
      pos = (node as Node).range?.[0] ?? pos
    } else break
  }
  if (pos === undefined) return { line: 0, column: 0 }
  const p = lc.linePos(pos)
  return { line: p.line, column: p.col }
}

function zodIssues(error: z.ZodError, doc: Document, lc: LineCounter, file: string): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const issue of error.issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol')
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          file,
          ...where(doc, lc, path, key),
          path: formatPath([...path, key]),
          message: unknownKeyMessage(key, path),
        })
      }
      continue
    }
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors)) {
      // a union (e.g. `format`): report the most specific branch's first problem, not every branch's
      const branch = (issue.errors as z.core.$ZodIssue[][]).find((errs) => errs.every((e) => e.code !== 'invalid_type'))
      if (branch?.[0]) {
        const sub = branch[0]
        out.push({
          file,
          ...where(doc, lc, path),
          path: formatPath([...path, ...sub.path.filter((k): k is string | number => typeof k !== 'symbol')]),
          message: sub.message,
        })
        continue
      }
    }
    out.push({ file, ...where(doc, lc, path), path: formatPath(path), message: issue.message })
  }
  return out
}

const unknownKeyMessage = (key: string, path: Path): string => {
  const known = knownKeys(path)
  const hint = KNOWN_HINTS[key]
  const close = hint !== undefined && (known.length === 0 || known.includes(hint)) ? hint : nearest(key, known)
  return close ? `unknown key "${key}" (did you mean "${close}"?)` : `unknown key "${key}"`
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>
  items?: JsonSchemaNode
  anyOf?: JsonSchemaNode[]
  oneOf?: JsonSchemaNode[]
  allOf?: JsonSchemaNode[]
}

/** A node and the branches of its unions, all the way down. */
const branches = (n: JsonSchemaNode): JsonSchemaNode[] => [
  n,
  ...[...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])].flatMap(branches),
]

/** The config's JSON Schema, made the first time a key is unknown. */
let jsonSchema: JsonSchemaNode | null = null

/** The keys the config schema knows at `path` (read from its JSON Schema). */
function knownKeys(path: Path): string[] {
  jsonSchema ??= configJsonSchema() as JsonSchemaNode
  let nodes = [jsonSchema]
  for (const k of path) {
    nodes = nodes.flatMap(branches).flatMap((n) => {
      const next = typeof k === 'number' ? n.items : n.properties?.[k]
      return next === undefined ? [] : [next]
    })
  }
  return [...new Set(nodes.flatMap(branches).flatMap((n) => Object.keys(n.properties ?? {})))]
}

/** Frequent slips seen in configs of similar tools. */
const KNOWN_HINTS: Record<string, string> = {
  source: 'sources',
  startAt: 'start_at',
  start: 'start_at',
  trusted_proxy: 'trusted_proxies',
  allowlist: 'allow',
  whitelist: 'allow',
  statedir: 'state_dir',
  webhook: 'webhook_url',
  webhookUrl: 'webhook_url',
  rule: 'rules',
  pack: 'packs',
}
