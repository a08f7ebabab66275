import { describe, expect, it } from 'vitest'
import { ruleSpec } from '../rule-spec.js'
import { packRule } from './pack.js'
import { webPack } from './web.js'
import { wordpressPack } from './wordpress.js'

describe('packRule', () => {
  it('reads every built-in rule as the schema does (without loading zod)', () => {
    const rules = [...wordpressPack.rules, ...webPack.rules]
    expect(rules.length).toBeGreaterThan(5)
    for (const input of rules) expect(packRule(input)).toEqual(ruleSpec.parse(input))
  })

  it('agrees on what the packs leave out and on distinct thresholds', () => {
    const input = {
      name: 'probe',
      filter: { path: '/x', status: ['4xx', 401] },
      thresholds: [{ distinct: 'query:author' as const, count: 3, within: '10m', filter: { method: 'GET' } }],
    }
    expect(packRule(input)).toEqual(ruleSpec.parse(input))
    expect(packRule(input)).toMatchObject({ key: 'ip', severity: 'medium', allow: [], description: '' })
  })
})
