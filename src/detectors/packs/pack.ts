import type { RuleSpecInput } from '../rule-spec.js'

/** A built-in rule pack: rules written in the same schema users write (`rules:`), durations as text. */
export interface Pack {
  name: string
  description: string
  rules: readonly RuleSpecInput[]
}
