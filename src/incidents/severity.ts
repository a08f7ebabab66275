import type { IncidentKind, Severity } from '../core/types.js'

const LEVELS: readonly Severity[] = ['low', 'medium', 'high', 'critical']

/** Rules that guess credentials (as opposed to reconnaissance: enumeration, probes, 404 scans). */
const CREDENTIAL_RULE = /login|xmlrpc|auth|brute|password/i

export interface SeverityInput {
  kind: IncidentKind
  attempts: number
  /** how many distinct sites were hit */
  sites: number
  rules: readonly string[]
}

/**
 * How urgent an incident is. The rule, in steps:
 * 1. attempts: under 100 → low, under 1,000 → medium, under 10,000 → high, else critical;
 * 2. one level up when 5 or more sites were hit (the attacker sweeps the server, not one site);
 * 3. one level up for a coordinated attacker: a subnet, or many IPs against one site;
 * 4. at least medium when a rule guesses credentials (login, xmlrpc, HTTP auth), as opposed to reconnaissance only.
 * Capped at critical. Every input only grows during an incident, so severity never goes down.
 */
export function severityOf(i: SeverityInput): Severity {
  let level = i.attempts < 100 ? 0 : i.attempts < 1_000 ? 1 : i.attempts < 10_000 ? 2 : 3
  if (i.sites >= 5) level++
  if (i.kind !== 'ip') level++
  if (level < 1 && i.rules.some((r) => CREDENTIAL_RULE.test(r))) level = 1
  return LEVELS[Math.min(level, 3)] as Severity
}

/** critical first */
export const severityRank = (s: Severity): number => 3 - LEVELS.indexOf(s)
