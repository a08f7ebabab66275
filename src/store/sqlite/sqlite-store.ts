import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type Database from 'better-sqlite3'
import { StoreError } from '../../core/errors.js'
import type { Alert, Incident } from '../../core/types.js'
import type { Checkpoint, CursorRepo, IncidentRepo, OutboxRepo, OutboxRow, OutboxStatus, Store } from '../store.js'
import { migrate } from './migrations.js'

/** better-sqlite3, loaded by the first store opened: commands that open none (scan, parse, duty) start without it. */
let sqlite: typeof Database | null = null
const sqliteLib = (): typeof Database => {
  sqlite ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database
  return sqlite
}

interface CheckpointRow {
  path: string
  dev: number | null
  ino: number | null
  head_hash: string | null
  head_len: number | null
  offset: number
  lines: number
  bytes: number
  unparsed: number
  truncated: number
  last_line_at: number | null
}

interface OutboxDbRow {
  id: number
  alert_id: string
  destination: string
  incident_id: string
  step: string
  alert: string
  status: string
  attempts: number
  next_attempt_at: number
  last_error: string | null
  created_at: number
  delivered_at: number | null
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  path: r.path,
  fingerprint:
    r.dev === null || r.ino === null || r.head_hash === null
      ? null
      : { dev: r.dev, ino: r.ino, headHash: r.head_hash, headLen: r.head_len ?? 0 },
  offset: r.offset,
  lines: r.lines,
  bytes: r.bytes,
  unparsed: r.unparsed,
  truncated: r.truncated,
  lastLineAt: r.last_line_at,
})

const toOutboxRow = (r: OutboxDbRow): OutboxRow => ({
  id: r.id,
  alertId: r.alert_id,
  destination: r.destination,
  incidentId: r.incident_id,
  step: r.step as OutboxRow['step'],
  alert: JSON.parse(r.alert) as Alert,
  status: r.status as OutboxStatus,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
})

export interface SqliteStoreOptions {
  readonly?: boolean
}

/** The default store: one SQLite file in WAL mode, so `lookout status` can read while `run` writes. */
export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  let db: Database.Database
  try {
    if (!opts.readonly && file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    db = new (sqliteLib())(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false })
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
    }
    db.pragma('busy_timeout = 5000')
    if (!opts.readonly) migrate(db)
  } catch (err) {
    throw new StoreError(`cannot open the store ${file}: ${(err as Error).message}`, { cause: err })
  }

  const cpGet = db.prepare<[string], CheckpointRow>('SELECT * FROM checkpoints WHERE path = ?')
  const cpAll = db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY path')
  const cpPut = opts.readonly
    ? undefined
    : db.prepare(
        `INSERT INTO checkpoints (path, dev, ino, head_hash, head_len, offset, lines, bytes, unparsed, truncated, last_line_at)
         VALUES (@path, @dev, @ino, @head_hash, @head_len, @offset, @lines, @bytes, @unparsed, @truncated, @last_line_at)
         ON CONFLICT(path) DO UPDATE SET dev=excluded.dev, ino=excluded.ino, head_hash=excluded.head_hash,
           head_len=excluded.head_len, offset=excluded.offset, lines=excluded.lines, bytes=excluded.bytes,
           unparsed=excluded.unparsed, truncated=excluded.truncated, last_line_at=excluded.last_line_at`,
      )

  const cursors: CursorRepo = {
    get: (path) => {
      const r = cpGet.get(path)
      return r ? toCheckpoint(r) : undefined
    },
    all: () => cpAll.all().map(toCheckpoint),
    put: (cp) => {
      if (!cpPut) throw new StoreError('the store is open read-only')
      cpPut.run({
        path: cp.path,
        dev: cp.fingerprint?.dev ?? null,
        ino: cp.fingerprint?.ino ?? null,
        head_hash: cp.fingerprint?.headHash ?? null,
        head_len: cp.fingerprint?.headLen ?? null,
        offset: cp.offset,
        lines: cp.lines,
        bytes: cp.bytes,
        unparsed: cp.unparsed,
        truncated: cp.truncated,
        last_line_at: cp.lastLineAt,
      })
    },
  }

  const incidents: IncidentRepo = {
    save: (i) => {
      db.prepare(
        `INSERT INTO incidents (id, status, data, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET status=excluded.status, data=excluded.data, last_seen=excluded.last_seen`,
      ).run(i.id, i.status, JSON.stringify(i), i.firstSeen, i.lastSeen)
    },
    get: (id) => {
      const r = db.prepare<[string], { data: string }>('SELECT data FROM incidents WHERE id = ?').get(id)
      return r ? (JSON.parse(r.data) as Incident) : undefined
    },
    open: () =>
      db
        .prepare<[], { data: string }>("SELECT data FROM incidents WHERE status = 'open' ORDER BY first_seen")
        .all()
        .map((r) => JSON.parse(r.data) as Incident),
    all: () =>
      db
        .prepare<[], { data: string }>('SELECT data FROM incidents ORDER BY first_seen')
        .all()
        .map((r) => JSON.parse(r.data) as Incident),
    counts: () =>
      db
        .prepare<[], { open: number; total: number }>(
          "SELECT COALESCE(SUM(status = 'open'), 0) AS open, COUNT(*) AS total FROM incidents",
        )
        .get() ?? { open: 0, total: 0 },
    nextId: () => {
      const r = db
        .prepare<[], { value: number }>(
          "INSERT INTO sequences (name, value) VALUES ('incident', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
        )
        .get()
      return r?.value ?? 1
    },
  }

  const outbox: OutboxRepo = {
    enqueue: (alert, destinations, now) => {
      const ins = db.prepare(
        `INSERT OR IGNORE INTO outbox (alert_id, destination, incident_id, step, alert, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      )
      const json = JSON.stringify(alert)
      for (const d of destinations) ins.run(alert.id, d, alert.incidentId, alert.step, json, now, now)
    },
    due: (destination, now, limit) =>
      db
        .prepare<[string, number, number], OutboxDbRow>(
          `SELECT * FROM outbox WHERE destination = ? AND status IN ('pending','failed') AND next_attempt_at <= ?
           ORDER BY id LIMIT ?`,
        )
        .all(destination, now, limit)
        .map(toOutboxRow),
    markDelivered: (id, now) => {
      db.prepare(
        "UPDATE outbox SET status='delivered', delivered_at=?, attempts=attempts+1, last_error=NULL WHERE id=?",
      ).run(now, id)
    },
    markAttempt: (id, status, nextAttemptAt, error) => {
      db.prepare('UPDATE outbox SET status=?, next_attempt_at=?, last_error=?, attempts=attempts+1 WHERE id=?').run(
        status,
        nextAttemptAt,
        error,
        id,
      )
    },
    markDead: (id, error) => {
      db.prepare("UPDATE outbox SET status='dead', last_error=?, attempts=attempts+1 WHERE id=?").run(error, id)
    },
    list: (statuses) => {
      const rows = statuses?.length
        ? db
            .prepare<string[], OutboxDbRow>(
              `SELECT * FROM outbox WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY id`,
            )
            .all(...statuses)
        : db.prepare<[], OutboxDbRow>('SELECT * FROM outbox ORDER BY id').all()
      return rows.map(toOutboxRow)
    },
    counts: () => {
      const c = { pending: 0, delivered: 0, failed: 0, dead: 0 }
      for (const r of db
        .prepare<[], { status: OutboxStatus; n: number }>('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status')
        .all())
        c[r.status] = r.n
      return c
    },
    retry: (id, now) => {
      const res =
        id === 'all'
          ? db
              .prepare("UPDATE outbox SET status='pending', next_attempt_at=? WHERE status IN ('failed','dead')")
              .run(now)
          : db
              .prepare(
                "UPDATE outbox SET status='pending', next_attempt_at=? WHERE id=? AND status IN ('failed','dead')",
              )
              .run(now, id)
      return res.changes
    },
    nextDue: (destination) =>
      db
        .prepare<[string], { t: number | null }>(
          "SELECT MIN(next_attempt_at) AS t FROM outbox WHERE destination=? AND status IN ('pending','failed')",
        )
        .get(destination)?.t ?? null,
  }

  return {
    path: file,
    cursors,
    incidents,
    outbox,
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    getMeta: (key) => db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value,
    setMeta: (key, value) => {
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value').run(
        key,
        value,
      )
    },
    close: () => db.close(),
  }
}
