import type { Alert, Fingerprint, Incident, IncidentStep } from '../core/types.js'

/** Where reading of one source path stands, and what it has seen so far. */
export interface Checkpoint {
  path: string
  /** the file being read at `offset`; null for stdin */
  fingerprint: Fingerprint | null
  offset: number
  /** cumulative over the path's whole life, rotations included */
  lines: number
  bytes: number
  unparsed: number
  truncated: number
  /** wall time (ms) the last line was read, null when none yet */
  lastLineAt: number | null
}

export interface CursorRepo {
  get(path: string): Checkpoint | undefined
  put(cp: Checkpoint): void
  all(): Checkpoint[]
}

export interface IncidentRepo {
  save(incident: Incident): void
  get(id: string): Incident | undefined
  /** incidents whose status is 'open' */
  open(): Incident[]
  /** every incident, oldest first */
  all(): Incident[]
  counts(): { open: number; total: number }
  /** a fresh, never reused incident number */
  nextId(): number
}

export type OutboxStatus = 'pending' | 'delivered' | 'failed' | 'dead'

export interface OutboxRow {
  id: number
  alertId: string
  destination: string
  incidentId: string
  step: IncidentStep
  alert: Alert
  /** pending: waiting or retrying; failed: a config error, retried hourly; dead: given up (payload error) */
  status: OutboxStatus
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  createdAt: number
  deliveredAt: number | null
}

export interface OutboxRepo {
  /** Persists the alert for every destination; a second call with the same alert id is a no-op. */
  enqueue(alert: Alert, destinations: string[], now: number): void
  /** pending or failed rows whose nextAttemptAt <= now, oldest first */
  due(destination: string, now: number, limit: number): OutboxRow[]
  markDelivered(id: number, now: number): void
  /** Records a failed attempt: stays 'pending' (transient) or becomes 'failed' (config), tried again at `nextAttemptAt`. */
  markAttempt(id: number, status: 'pending' | 'failed', nextAttemptAt: number, error: string): void
  markDead(id: number, error: string): void
  list(statuses?: OutboxStatus[]): OutboxRow[]
  counts(): { pending: number; delivered: number; failed: number; dead: number }
  /** Requeues failed/dead rows (one id, or all): they become pending and due now. Returns how many. */
  retry(id: number | 'all', now: number): number
  /** the earliest nextAttemptAt among pending/failed rows of a destination, or null */
  nextDue(destination: string): number | null
}

/** What the incident manager keeps in a store: its incidents, their baselines (meta), in transactions. */
export type IncidentStore = Pick<Store, 'incidents' | 'transaction' | 'getMeta' | 'setMeta'>

export interface Store {
  readonly path: string
  cursors: CursorRepo
  incidents: IncidentRepo
  outbox: OutboxRepo
  /** Runs `fn` atomically: a batch's checkpoint, incidents and alerts land together or not at all. */
  transaction<T>(fn: () => T): T
  /** small key/value pairs (e.g. the last health report) */
  getMeta(key: string): string | undefined
  setMeta(key: string, value: string): void
  close(): void
}
