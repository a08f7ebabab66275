import type { DutyPerson } from '../core/types.js'
import type { TeamConfig } from './config.js'

type Member = TeamConfig['members'][number]

interface OwnerMatcher {
  re: RegExp
  /** exact names beat patterns; among patterns the longer (more specific) one wins */
  score: number
  member: string
}

interface CompiledTeam {
  members: Map<string, Member>
  owners: OwnerMatcher[]
  timezone: string
}

const compiled = new WeakMap<TeamConfig, CompiledTeam>()

const escapeRe = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/** `shop.example.com` exactly; `*.client-a.com` any subdomain (not client-a.com itself); `*` everything. */
export function sitePattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.toLowerCase().split('*').map(escapeRe).join('.*')}$`)
}

function compile(team: TeamConfig): CompiledTeam {
  let c = compiled.get(team)
  if (c) return c
  const owners: OwnerMatcher[] = []
  for (const o of team.owners) {
    for (const p of typeof o.sites === 'string' ? [o.sites] : o.sites) {
      owners.push({ re: sitePattern(p), score: p.includes('*') ? p.replaceAll('*', '').length : 1e6, member: o.member })
    }
  }
  c = { members: new Map(team.members.map((m) => [m.name, m])), owners, timezone: team.rota?.timezone ?? 'UTC' }
  compiled.set(team, c)
  return c
}

const person = (m: Member, reason: DutyPerson['reason']): DutyPerson => ({
  name: m.name,
  slack: m.slack,
  email: m.email ?? null,
  reason,
})

const formatters = new Map<string, Intl.DateTimeFormat>()

/** The calendar date (YYYY-MM-DD) at `at` in `timezone`. */
export function localDate(at: number, timezone: string): string {
  let f = formatters.get(timezone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(timezone, f)
  }
  let y = ''
  let m = ''
  let d = ''
  for (const p of f.formatToParts(at)) {
    if (p.type === 'year') y = p.value
    else if (p.type === 'month') m = p.value
    else if (p.type === 'day') d = p.value
  }
  return `${y}-${m}-${d}`
}

/** Days since 1970-01-01 of a YYYY-MM-DD date: whole calendar days, so DST never shifts a turn. */
const dayNumber = (date: string): number =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000

/** The site owner for one site name, if any. */
export function ownerOf(team: TeamConfig, site: string): string | undefined {
  const s = site.toLowerCase()
  let best: OwnerMatcher | undefined
  for (const o of compile(team).owners) if (o.re.test(s) && (!best || o.score > best.score)) best = o
  return best?.member
}

/**
 * Who should act on something that happened at `at` (ms) on `sites` (most-hit first):
 * 1. the owner of the sites hit: the first site in `sites` that has an owner (exact names beat patterns);
 * 2. else an override covering that date (the narrowest range; on a tie the one listed last);
 * 3. else the rota: turns of one day or week counted from `rota.starts`, changing at local midnight in `rota.timezone`;
 * 4. else, when the team has exactly one member, that member.
 * Null with no members, or several members and nobody designated (no owner, override or rota).
 * Dates of overrides are read in the rota's time zone (UTC without a rota).
 */
export function whoIsOnDuty(team: TeamConfig, at: number, sites: readonly string[] = []): DutyPerson | null {
  if (team.members.length === 0) return null
  const c = compile(team)
  for (const site of sites) {
    const name = ownerOf(team, site)
    const m = name === undefined ? undefined : c.members.get(name)
    if (m) return person(m, 'owner')
  }
  const today = localDate(at, c.timezone)
  let override: { member: string; days: number } | undefined
  for (const o of team.overrides) {
    if (o.from <= today && today <= o.to) {
      const days = dayNumber(o.to) - dayNumber(o.from)
      if (!override || days <= override.days) override = { member: o.member, days }
    }
  }
  const om = override && c.members.get(override.member)
  if (om) return person(om, 'override')
  const rota = team.rota
  if (rota && rota.order.length > 0) {
    const days = dayNumber(today) - dayNumber(rota.starts)
    const turn = rota.every === 'week' ? Math.floor(days / 7) : days
    const n = rota.order.length
    const name = rota.order[((turn % n) + n) % n] as string
    const m = c.members.get(name)
    if (m) return person(m, 'rota')
  }
  const only = team.members.length === 1 ? team.members[0] : undefined
  return only ? person(only, 'only member') : null
}
