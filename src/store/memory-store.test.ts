import { describe, expect, it } from 'vitest'
import type { Incident } from '../core/types.js'
import { memoryIncidentStore } from './memory-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { IncidentStore } from './store.js'

const incident = (id: string, firstSeen: number, status: Incident['status'] = 'open'): Incident => ({
  id,
  kind: 'ip',
  ip: `203.0.113.${id}`,
  subnet: null,
  ips: [`203.0.113.${id}`],
  sites: { 'shop.example': 3 },
  rules: ['wp-login-bruteforce'],
  attempts: 3,
  firstSeen,
  lastSeen: firstSeen + 60_000,
  severity: 'high',
  status,
  step: 'opened',
  samples: ['a line'],
  userAgents: { curl: 3 },
  users: ['admin'],
  duty: null,
})

/** The same operations on a store, and what it answered. */
function exercise(s: IncidentStore): unknown[] {
  const said: unknown[] = []
  const ids = [s.incidents.nextId(), s.incidents.nextId(), s.incidents.nextId()]
  said.push(ids)
  s.transaction(() => {
    s.incidents.save(incident('2', 2000))
    s.incidents.save(incident('1', 1000))
    s.incidents.save(incident('3', 1000)) // (a tie in first seen: the order it was saved in)
  })
  // an update keeps where the row sorts (first seen as first written) and changes what is read back
  s.incidents.save({ ...incident('2', 500, 'resolved'), attempts: 9 })
  said.push(
    s.incidents.open().map((i) => i.id),
    s.incidents.all().map((i) => [i.id, i.status, i.attempts]),
  )
  said.push(s.incidents.counts(), s.incidents.get('2'), s.incidents.get('9'))
  const copy = s.incidents.get('1') as Incident
  copy.attempts = 99
  said.push(s.incidents.get('1')?.attempts)
  s.setMeta('incident:1', '{"a":1}')
  s.setMeta('incident:1', '{"a":2}')
  said.push(s.getMeta('incident:1'), s.getMeta('nothing'))
  return said
}

describe('the in-memory incident store (scan)', () => {
  it('answers as the SQLite store does', () => {
    const sqlite = openSqliteStore(':memory:')
    const want = exercise(sqlite)
    sqlite.close()
    expect(exercise(memoryIncidentStore())).toEqual(want)
    expect(want[1]).toEqual(['1', '3'])
  })
})
