import { describe, expect, it } from 'vitest'
import { teamConfig } from './config.js'
import { localDate, whoIsOnDuty } from './duty.js'

const members = [
  { name: 'ana', slack: 'U0000ANA' },
  { name: 'ben', slack: 'U0000BEN', email: 'ben@example.com' },
  { name: 'cy', slack: 'W0000CY' },
]
const at = (iso: string): number => Date.parse(iso)
const who = (team: unknown, iso: string, sites?: string[]) => whoIsOnDuty(teamConfig.parse(team), at(iso), sites)

describe('whoIsOnDuty', () => {
  it('is null without a team, and the only member when there is one', () => {
    expect(who(undefined, '2025-01-01T00:00:00Z')).toBeNull()
    expect(who({ members: [members[0]] }, '2025-01-01T00:00:00Z')).toEqual({
      name: 'ana',
      slack: 'U0000ANA',
      email: null,
      reason: 'only member',
    })
    // several members and nobody designated: nobody is guessed
    expect(who({ members }, '2025-01-01T00:00:00Z')).toBeNull()
  })

  it('turns a daily rota at local midnight, across the spring DST change', () => {
    // Europe/Berlin went from UTC+1 to UTC+2 on 2025-03-30; 24h arithmetic from the start would be an hour off.
    const team = {
      members,
      rota: { every: 'day', starts: '2025-03-29', timezone: 'Europe/Berlin', order: ['ana', 'ben', 'cy'] },
    }
    expect(who(team, '2025-03-28T23:00:00Z')?.name).toBe('ana') // 00:00 CET on the 29th
    expect(who(team, '2025-03-28T22:59:59Z')?.name).toBe('cy') // still the 28th: the turn before
    expect(who(team, '2025-03-30T21:59:59Z')?.name).toBe('ben') // 23:59:59 CEST on the 30th
    expect(who(team, '2025-03-30T22:00:00Z')).toMatchObject({ name: 'cy', reason: 'rota' }) // 00:00 CEST on the 31st
    expect(who(team, '2025-04-01T12:00:00Z')?.name).toBe('ana')
  })

  it('turns a weekly rota at local midnight of the start weekday, also in autumn DST', () => {
    const team = {
      members,
      rota: { every: 'week', starts: '2025-10-27', timezone: 'America/New_York', order: ['ana', 'ben'] },
    }
    // New York leaves DST on 2025-11-02; the next turn is Monday 2025-11-03 00:00 EST = 05:00Z.
    expect(who(team, '2025-10-27T04:00:00Z')?.name).toBe('ana') // 00:00 EDT Monday
    expect(who(team, '2025-11-03T04:59:59Z')?.name).toBe('ana') // Sunday 23:59:59 EST
    expect(who(team, '2025-11-03T05:00:00Z')?.name).toBe('ben')
    expect(who(team, '2025-11-10T05:00:00Z')?.name).toBe('ana')
    expect(who(team, '2025-10-26T12:00:00Z')?.name).toBe('ben') // before the start, the turns count backwards
  })

  it('prefers an override for that date, the narrowest one when they overlap', () => {
    const team = {
      members,
      rota: { every: 'week', starts: '2025-01-06', timezone: 'UTC', order: ['ana', 'ben'] },
      overrides: [
        { from: '2025-01-13', to: '2025-01-19', member: 'cy' },
        { from: '2025-01-15', to: '2025-01-15', member: 'ana' },
      ],
    }
    expect(who(team, '2025-01-12T23:59:59Z')?.name).toBe('ana')
    expect(who(team, '2025-01-13T00:00:00Z')).toMatchObject({ name: 'cy', reason: 'override' })
    expect(who(team, '2025-01-15T10:00:00Z')).toMatchObject({ name: 'ana', reason: 'override' })
    expect(who(team, '2025-01-19T23:59:59Z')?.name).toBe('cy')
    expect(who(team, '2025-01-20T00:00:00Z')).toMatchObject({ name: 'ana', reason: 'rota' })
  })

  it('names the owner of the most-hit owned site before anyone else', () => {
    const team = {
      members,
      rota: { every: 'day', starts: '2025-01-01', order: ['ana'] },
      owners: [
        { sites: '*.client-a.com', member: 'ben' },
        { sites: ['shop.client-a.com', 'blog.example.org'], member: 'cy' },
      ],
      overrides: [{ from: '2025-01-01', to: '2025-12-31', member: 'ana' }],
    }
    const t = '2025-06-01T12:00:00Z'
    expect(who(team, t, ['www.client-a.com'])).toMatchObject({ name: 'ben', reason: 'owner', email: 'ben@example.com' })
    expect(who(team, t, ['SHOP.client-a.com'])?.name).toBe('cy') // exact beats the pattern, case-insensitively
    expect(who(team, t, ['unowned.net', 'blog.example.org', 'www.client-a.com'])?.name).toBe('cy')
    expect(who(team, t, ['client-a.com'])).toMatchObject({ name: 'ana', reason: 'override' }) // *. needs a subdomain
  })

  it('reads dates in the rota time zone', () => {
    expect(localDate(at('2025-01-01T23:30:00Z'), 'Asia/Tokyo')).toBe('2025-01-02')
    expect(localDate(at('2025-01-01T23:30:00Z'), 'UTC')).toBe('2025-01-01')
  })
})
