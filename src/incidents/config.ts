import { z } from 'zod'
import { duration } from '../detectors/rule-spec.js'

/** `YYYY-MM-DD`, a real calendar date. */
const isoDate = (what: string) => z.iso.date({ message: 'expected a date as YYYY-MM-DD' }).describe(what)

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

export const incidentsConfig = z
  .strictObject({
    resolve_after: duration
      .prefault('30m')
      .describe('An incident is resolved after this long without a new attempt (event time), e.g. 30m, 1h.'),
    escalate_factor: z
      .number()
      .min(1.5)
      .default(10)
      .describe('Escalate when attempts reach this many times the attempts of the last alert (×10: 5 → 50 → 500).'),
    escalate_sites: z
      .int()
      .positive()
      .default(3)
      .describe('Escalate when the attacker has hit this many more sites than at the last alert.'),
    samples: z.int().min(0).max(50).default(5).describe('How many raw log lines an incident keeps as evidence.'),
    sample_max_chars: z
      .int()
      .min(20)
      .max(10_000)
      .default(300)
      .describe('Sample lines longer than this are cut (with an ellipsis).'),
  })
  .prefault({})
  .describe('How findings become incidents: escalation and resolution.')

export type IncidentsConfig = z.output<typeof incidentsConfig>

const memberName = z.string().min(1).describe('A name from team.members.')

const member = z
  .strictObject({
    name: z.string().min(1).describe('How the team calls this person; used in rota, owners and overrides.'),
    slack: z
      .string()
      .regex(/^[UW][A-Z0-9]{2,}$/, {
        message: 'expected a Slack user ID like U024BE7LH (profile → ⋮ → Copy member ID), not a display name',
      })
      .describe('Slack user ID (U… or W…), so alerts can @-mention this person.'),
    email: z.email().optional().describe('Email address (optional).'),
  })
  .describe('A person who can act on incidents.')

const rota = z
  .strictObject({
    every: z.enum(['day', 'week']).default('week').describe('How long each turn lasts.'),
    starts: isoDate('The first turn (of order[0]) starts at midnight of this date, in `timezone`.'),
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'unknown time zone (expected an IANA name like Europe/Berlin or UTC)' })
      .default('UTC')
      .describe('IANA time zone in which turns change at midnight, e.g. Europe/Berlin.'),
    order: z.array(memberName).min(1).describe('Member names, in the order of their turns; repeats from the start.'),
  })
  .describe('Who is on duty when no site owner matches.')

const owner = z
  .strictObject({
    sites: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('Site name(s) or patterns: shop.example.com, *.client-a.com (any subdomain), * (everything).'),
    member: memberName.describe('The member who owns these sites.'),
  })
  .describe('Sites a member is responsible for.')

const override = z
  .strictObject({
    from: isoDate('First day of the override (in the rota time zone, UTC without a rota).'),
    to: isoDate('Last day of the override, inclusive.'),
    member: memberName.describe('Who is on duty instead of the rota on these days.'),
  })
  .describe('A date range in which someone else is on duty (holidays, swaps).')

export const teamConfig = z
  .strictObject({
    members: z.array(member).default([]).describe('The people who act on incidents.'),
    rota: rota.optional().describe('Who is on duty when no site owner matches.'),
    owners: z.array(owner).default([]).describe('Per-site owners; the owner of the most-hit site acts first.'),
    overrides: z.array(override).default([]).describe('Date ranges that replace the rota (holidays, swaps).'),
  })
  .superRefine((team, ctx) => {
    const names = new Set<string>()
    for (const [i, m] of (team.members ?? []).entries()) {
      if (typeof m?.name !== 'string') continue
      if (names.has(m.name))
        ctx.addIssue({ code: 'custom', path: ['members', i, 'name'], message: `"${m.name}" is listed twice` })
      names.add(m.name)
    }
    const known = names.size ? [...names].join(', ') : 'none'
    const check = (name: unknown, path: (string | number)[]): void => {
      if (typeof name === 'string' && !names.has(name))
        ctx.addIssue({ code: 'custom', path, message: `"${name}" is not in team.members (members: ${known})` })
    }
    for (const [i, n] of (team.rota?.order ?? []).entries()) check(n, ['rota', 'order', i])
    for (const [i, o] of (team.owners ?? []).entries()) check(o?.member, ['owners', i, 'member'])
    for (const [i, o] of (team.overrides ?? []).entries()) {
      check(o?.member, ['overrides', i, 'member'])
      if (typeof o?.from === 'string' && typeof o.to === 'string' && o.to < o.from)
        ctx.addIssue({
          code: 'custom',
          path: ['overrides', i, 'to'],
          message: `ends (${o.to}) before it starts (${o.from})`,
        })
    }
  })
  .prefault({})
  .describe('Who should act: members, a rota, per-site owners and holiday overrides.')

export type TeamConfig = z.output<typeof teamConfig>
