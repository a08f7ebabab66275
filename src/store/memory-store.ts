/**
 * An incident store in memory, for `scan`: its incidents live as long as the scan, so the SQLite store (and loading
 * better-sqlite3, ~10 ms of every scan's start) would buy nothing. It keeps what the SQLite store keeps the same
 * way: incidents as JSON (what comes back is a copy), ordered by first seen, ids from 1. A transaction is just the
 * call: a scan that fails is thrown away whole.
 */
import type { Incident } from '../core/types.js'
import type { IncidentStore } from './store.js'

export function memoryIncidentStore(): IncidentStore {
  const rows = new Map<string, { status: string; firstSeen: number; data: string }>()
  const meta = new Map<string, string>()
  let lastId = 0
  const sorted = (open: boolean): Incident[] =>
    [...rows.values()]
      .filter((r) => !open || r.status === 'open')
      .sort((a, b) => a.firstSeen - b.firstSeen)
      .map((r) => JSON.parse(r.data) as Incident)
  return {
    incidents: {
      save(i) {
        // (an update keeps the first_seen the row was written with, as the SQLite store's upsert does)
        const firstSeen = rows.get(i.id)?.firstSeen ?? i.firstSeen
        rows.set(i.id, { status: i.status, firstSeen, data: JSON.stringify(i) })
      },
      get(id) {
        const r = rows.get(id)
        return r === undefined ? undefined : (JSON.parse(r.data) as Incident)
      },
      open: () => sorted(true),
      all: () => sorted(false),
      counts: () => ({ open: [...rows.values()].filter((r) => r.status === 'open').length, total: rows.size }),
      nextId: () => ++lastId,
    },
    transaction: (fn) => fn(),
    getMeta: (key) => meta.get(key),
    setMeta: (key, value) => {
      meta.set(key, value)
    },
  }
}
