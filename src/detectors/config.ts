/**
 * The detection part of the root config: `packs`, `rules`, `max_tracked_keys` (merged into the root schema by
 * src/config/schema.ts). Phase 1 only: nothing here opens anything.
 */
import { z } from 'zod'
import { isIpOrCidrOrPreset } from '../core/ip.js'
import type { Pack } from './packs/pack.js'
import { webPack } from './packs/web.js'
import { JETPACK_RANGES, wordpressPack } from './packs/wordpress.js'
import { ruleSpec, severity, thresholdSpec } from './rule-spec.js'

export type { CompiledRule, CompiledThreshold, EventFilter } from './compile.js'
export { compileRules } from './compile.js'
export type { RuleSpec, RuleSpecInput, ThresholdSpec } from './rule-spec.js'
export { duration, ruleSpec } from './rule-spec.js'

export const ruleOverride = z
  .union([
    z.boolean(),
    z.strictObject({
      enabled: z.boolean().default(true).describe('false switches this rule off'),
      thresholds: z.array(thresholdSpec).min(1).optional().describe("Replace the rule's thresholds"),
      severity: severity.optional().describe("Replace the rule's severity"),
    }),
  ])
  .describe('true/false switches the rule on/off; an object replaces its thresholds or severity')
export type RuleOverride = z.output<typeof ruleOverride>

const ruleOverrides = (pack: Pack) =>
  Object.fromEntries(
    pack.rules.map((r) => [r.name, ruleOverride.optional().describe(`${r.name}: ${r.description ?? ''}`)]),
  ) as Record<string, z.ZodOptional<typeof ruleOverride>>

const cidr = z
  .string()
  .refine(isIpOrCidrOrPreset, { message: 'not an IP address, CIDR or preset (e.g. 192.0.64.0/18)' })
  .describe('An IP address or CIDR range')

export const wordpressPackConfig = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false switches the whole pack off'),
    jetpack_allow: z
      .boolean()
      .default(true)
      .describe("Jetpack's servers never count for xmlrpc-abuse and distributed-login-attack"),
    jetpack_ranges: z
      .array(cidr)
      .default([...JETPACK_RANGES])
      .describe("Jetpack's ranges (default: the list Jetpack publishes)"),
    ...ruleOverrides(wordpressPack),
  })
  .describe('The wordpress pack, with per-rule overrides keyed by rule name')

export const webPackConfig = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false switches the whole pack off'),
    ...ruleOverrides(webPack),
  })
  .describe('The web pack, with per-rule overrides keyed by rule name')

export const packsConfig = z
  .strictObject({
    wordpress: z
      .union([z.boolean(), wordpressPackConfig])
      .default(true)
      .describe(`true/false, or settings. ${wordpressPack.description}`),
    web: z
      .union([z.boolean(), webPackConfig])
      .default(true)
      .describe(`true/false, or settings. ${webPack.description}`),
  })
  .describe('Built-in rule packs (all on by default)')
export type PacksConfig = z.output<typeof packsConfig>

/** Merged into the root config object by the lead (src/config/schema.ts). */
export const detectionShape = {
  packs: packsConfig.default({ wordpress: true, web: true }),
  rules: z
    .array(ruleSpec)
    .default([])
    .superRefine((rules, ctx) => {
      const seen = new Set<string>()
      rules.forEach((r, i) => {
        if (seen.has(r.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate rule name "${r.name}"` })
        seen.add(r.name)
      })
    })
    .describe('Your own rules, in the same schema as the built-in ones'),
  max_tracked_keys: z
    .number()
    .int()
    .positive()
    .default(1_000_000)
    .describe('At most this many keys (IPs, sites, subnets per rule) are tracked; the least recently seen are evicted'),
}

export const detectionConfig = z.strictObject(detectionShape)
export type DetectionConfig = z.output<typeof detectionConfig>
