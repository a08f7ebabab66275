/**
 * Detectors and incidents set up from the config, the same for `run` and `scan` (so both find the same incidents):
 * the compiled rules, the engine over them, and the incident manager that turns findings into incidents.
 */
import { allowMatcher } from './config/allow.js'
import type { LookoutConfig } from './config/schema.js'
import { compileRules } from './detectors/compile.js'
import { createEngine, type Engine } from './detectors/engine.js'
import { createIncidentManager, type IncidentManager } from './incidents/manager.js'
import { createRuleMatcher } from './incidents/rule-matcher.js'
import type { IncidentStore } from './store/store.js'

export interface Detection {
  engine: Engine
  incidents: IncidentManager
}

export function createDetection(cfg: LookoutConfig, store: IncidentStore): Detection {
  const allow = allowMatcher(cfg)
  const rules = compileRules(cfg)
  return {
    engine: createEngine(rules, { maxTrackedKeys: cfg.max_tracked_keys, allow, allowLoopback: false }),
    // the rule matcher lets a site incident learn every attacking IP, not only those present when a threshold fired
    incidents: createIncidentManager({
      store,
      config: cfg.incidents,
      team: cfg.team,
      rules: createRuleMatcher(rules, allow),
    }),
  }
}
