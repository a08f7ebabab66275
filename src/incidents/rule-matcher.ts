import type { IpMatcher } from '../core/ip.js'
import type { LogEvent } from '../core/types.js'
import type { CompiledRule } from '../detectors/config.js'
import { canonicalPath } from '../detectors/query.js'

/**
 * Whether an event is an attempt of a rule, or forgives its IP (a successful login). The incident manager uses it
 * for site incidents (distributed attacks): the engine reports a site's attacking IPs only when it fires (at 20 and
 * then 200 distinct IPs), so the manager itself adds the IPs that join the attack later, and drops the ones that
 * turn out to be users logging in.
 */
export interface RuleMatcher {
  classify(rule: string, e: LogEvent): 'attempt' | 'forgive' | null
}

/** From the compiled rules and the allow list the engine runs with (`allow` plus loopback). */
export function createRuleMatcher(rules: readonly CompiledRule[], allow: IpMatcher): RuleMatcher {
  const byName = new Map(rules.map((r) => [r.name, r]))
  return {
    classify(name, e) {
      const rule = byName.get(name)
      if (rule === undefined) return null
      const path = canonicalPath(e.path)
      if (rule.forgive?.test(e, path)) return 'forgive'
      if (!rule.filter.test(e, path) || allow.has(e.ip) || rule.allow?.has(e.ip)) return null
      return 'attempt'
    },
  }
}
