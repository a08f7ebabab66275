import type Database from 'better-sqlite3'

/** Forward-only schema steps; `user_version` records how many have run. */
const steps: string[] = [
  `CREATE TABLE checkpoints (
     path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, head_hash TEXT, head_len INTEGER,
     offset INTEGER NOT NULL, lines INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,
     unparsed INTEGER NOT NULL DEFAULT 0, truncated INTEGER NOT NULL DEFAULT 0, last_line_at INTEGER);
   CREATE TABLE incidents (
     id TEXT PRIMARY KEY, status TEXT NOT NULL, data TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);
   CREATE INDEX incidents_status ON incidents(status);
   CREATE TABLE outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, destination TEXT NOT NULL, incident_id TEXT NOT NULL,
     step TEXT NOT NULL, alert TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL, delivered_at INTEGER,
     UNIQUE (alert_id, destination));
   CREATE INDEX outbox_due ON outbox(destination, status, next_attempt_at);
   CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
]

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  for (let v = version; v < steps.length; v++) {
    db.transaction(() => {
      db.exec(steps[v] as string)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
