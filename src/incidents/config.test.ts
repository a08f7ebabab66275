import { describe, expect, it } from 'vitest'
import { incidentsConfig, teamConfig } from './config.js'

const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`)

describe('incidents config', () => {
  it('has the documented defaults and parses durations', () => {
    expect(incidentsConfig.parse(undefined)).toEqual({
      resolve_after: 30 * 60_000,
      escalate_factor: 10,
      escalate_sites: 3,
      samples: 5,
      sample_max_chars: 300,
    })
    expect(incidentsConfig.parse({ resolve_after: '1h' }).resolve_after).toBe(3_600_000)
    expect(incidentsConfig.parse({ resolve_after: '24h' }).resolve_after).toBe(86_400_000)
    expect(issues(incidentsConfig.safeParse({ resolve_after: '30 minutes' }))).toEqual([
      expect.stringMatching(/^resolve_after: not a duration/),
    ])
    expect(incidentsConfig.safeParse({ resolve_afterr: '1h' }).success).toBe(false)
  })
})

describe('team config', () => {
  it('defaults to no team', () => {
    expect(teamConfig.parse(undefined)).toEqual({ members: [], owners: [], overrides: [] })
  })

  it('validates Slack IDs, dates and time zones', () => {
    const r = teamConfig.safeParse({
      members: [{ name: 'ana', slack: '@ana' }],
      rota: { starts: '2025-02-30', timezone: 'Mars/Olympus', order: ['ana'] },
    })
    const got = issues(r)
    expect(got).toHaveLength(3)
    expect(got[0]).toMatch(/^members\.0\.slack: expected a Slack user ID/)
    expect(got[1]).toMatch(/^rota\.starts: /)
    expect(got[2]).toMatch(/^rota\.timezone: unknown time zone/)
  })

  it('reports every name that is not a member, with its path', () => {
    const r = teamConfig.safeParse({
      members: [
        { name: 'ana', slack: 'U123' },
        { name: 'ana', slack: 'U456' },
      ],
      rota: { every: 'day', starts: '2025-01-01', timezone: 'Europe/Berlin', order: ['ana', 'bob'] },
      owners: [{ sites: '*.client-a.com', member: 'cy' }],
      overrides: [{ from: '2025-08-10', to: '2025-08-01', member: 'dee' }],
    })
    expect(issues(r)).toEqual([
      'members.1.name: "ana" is listed twice',
      'rota.order.1: "bob" is not in team.members (members: ana)',
      'owners.0.member: "cy" is not in team.members (members: ana)',
      'overrides.0.member: "dee" is not in team.members (members: ana)',
      'overrides.0.to: ends (2025-08-01) before it starts (2025-08-10)',
    ])
  })
})
