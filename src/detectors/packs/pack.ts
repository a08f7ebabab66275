import { parseDuration } from '../duration.js'
import type { DistinctField, FilterOrList, RuleSpec, RuleSpecInput } from '../rule-spec.js'

/** A built-in rule pack: rules written in the same schema users write (`rules:`), durations as text. */
export interface Pack {
  name: string
  description: string
  rules: readonly RuleSpecInput[]
}

/**
 * A pack's rule as the schema (ruleSpec) parses it: defaults filled, durations in ms, thresholds tagged. Without zod,
 * so that a command on the built-in defaults never loads it; pack.test.ts checks that the two agree on every rule.
 * The packs are code: a rule the schema would refuse is a bug (compile.ts still compiles every pattern).
 */
export function packRule(input: RuleSpecInput): RuleSpec {
  const { description, key, severity, allow, thresholds, ...rest } = input
  return {
    ...rest,
    description: description ?? '',
    key: key ?? 'ip',
    thresholds: thresholds.map((t) => {
      const within = parseDuration(t.within)
      if (within === null || within <= 0) throw new Error(`pack rule ${input.name}: not a duration: ${t.within}`)
      const base = { count: t.count, within, ...(t.filter ? { filter: t.filter as FilterOrList } : {}) }
      return t.distinct === undefined
        ? { kind: 'count' as const, ...base }
        : { kind: 'distinct' as const, field: t.distinct as DistinctField, ...base }
    }),
    severity: severity ?? 'medium',
    allow: [...(allow ?? [])],
  }
}
