import { describe, expect, it } from 'vitest'
import { severityOf } from './severity.js'

describe('severityOf', () => {
  it('grows with attempts, spread, coordination and credential guessing', () => {
    const ip = { kind: 'ip' as const, sites: 1, rules: ['user-enumeration'] }
    expect(severityOf({ ...ip, attempts: 3 })).toBe('low')
    expect(severityOf({ ...ip, attempts: 3, rules: ['wp-login-bruteforce'] })).toBe('medium')
    expect(severityOf({ ...ip, attempts: 100 })).toBe('medium')
    expect(severityOf({ ...ip, attempts: 1_000 })).toBe('high')
    expect(severityOf({ ...ip, attempts: 10_000 })).toBe('critical')
    expect(severityOf({ ...ip, attempts: 3, sites: 5 })).toBe('medium')
    expect(severityOf({ ...ip, attempts: 1_000, kind: 'site' })).toBe('critical')
    expect(severityOf({ ...ip, attempts: 1e6, sites: 50, kind: 'subnet' })).toBe('critical')
  })
})
