/**
 * The durable outbox worker: the store's outbox is the source of truth, and this loop drains it.
 *
 * - Alerts are enqueued by the pipeline (with the checkpoint, in one transaction) before anything is sent;
 *   a row is marked delivered right after the endpoint's 2xx, so after a crash nothing delivered is sent again
 *   and nothing undelivered is lost. (A crash between the 2xx and the mark can duplicate one message: Slack
 *   webhooks have no idempotency key, which is why every message shows its alert id.)
 * - One loop per destination; at most one message per `minIntervalMs`, measured from the end of the previous
 *   request, so the receiver never sees two messages closer together than that.
 * - Failures are classified by the notifier (DeliveryError.kind), decided here:
 *   retry   → exponential backoff with jitter (or Retry-After), the destination pauses meanwhile;
 *   config  → logged loudly once, rows kept as 'failed' and retried hourly, the error stored in meta
 *             `notify.<destination>.error` for `lookout status`; a later success requeues them at once;
 *   payload → resent once as plain text, then dead-lettered with the reason.
 * - Bursts: when `digestAfter` or more alerts are due at once, one digest message covers them all.
 */
import type { Clock } from '../core/clock.js'
import { systemClock } from '../core/clock.js'
import { DeliveryError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import type { OutboxRow, Store } from '../store/store.js'
import type { Notifier } from './notifier.js'

export interface OutboxWorkerOptions {
  store: Store
  /** destination → notifier; rows for destinations not in the map are left alone */
  notifiers: Map<string, Notifier>
  log: Logger
  clock?: Clock
  /** at most one message per this many ms per destination (default 1000) */
  minIntervalMs?: number
  /** this many due alerts at once become one digest (default 5) */
  digestAfter?: number
  /** the most alerts one digest covers (default 100) */
  maxBatch?: number
  /** first retry delay and cap for transient failures (default 2 s, 10 min) */
  backoffBaseMs?: number
  backoffCapMs?: number
  /** when rows with a config error are tried again (default 1 h) */
  configRetryMs?: number
  /** how long a destination rests after a config error before trying newer alerts (default 5 min) */
  configPauseMs?: number
  /** how often an idle loop looks at the store anyway, e.g. for `lookout outbox retry` run elsewhere (default 60 s) */
  idleCheckMs?: number
  /** [0, 1), for jitter (tests pass a fixed one) */
  random?: () => number
}

export interface OutboxStats {
  /** alerts marked delivered */
  delivered: number
  /** messages that reached a destination (a digest is one) */
  messages: number
  digests: number
  /** failed attempts, of any kind */
  failures: number
  dead: number
}

export interface OutboxWorker {
  start(): void
  /** Stops the loops; an in-flight request is allowed to finish (≤ its 10 s timeout) and is recorded. */
  stop(): Promise<void>
  /** Wakes the loops (the pipeline calls it after enqueueing); it never bypasses pacing or back-off. */
  kick(): void
  readonly deliveredCount: number
  stats(): OutboxStats
}

/** Marks a row whose rich message was refused as malformed: the next attempt sends plain text. */
const PAYLOAD_MARK = 'payload: '

/** The meta key holding a destination's current configuration error as JSON {message, at} ('' when none). */
export const notifyErrorKey = (destination: string): string => `notify.${destination}.error`

/** The meta key `lookout status` reads: JSON [{destination, error}] of every destination with a config error. */
export const NOTIFY_ERRORS_KEY = 'notify.errors'

function recordNotifyError(store: Store, destination: string, message: string | null, now: number): void {
  store.setMeta(notifyErrorKey(destination), message === null ? '' : JSON.stringify({ message, at: now }))
  let all: Array<{ destination: string; error: string }> = []
  try {
    const raw = store.getMeta(NOTIFY_ERRORS_KEY)
    if (raw) all = JSON.parse(raw) as typeof all
  } catch {
    all = []
  }
  all = all.filter((e) => e.destination !== destination)
  if (message !== null) all.push({ destination, error: message })
  store.setMeta(NOTIFY_ERRORS_KEY, JSON.stringify(all))
}

interface Lane {
  destination: string
  notifier: Notifier
  minIntervalMs: number
  digestAfter: number
  nextSendAt: number
  pausedUntil: number
  /** the config error last logged, so it is logged once, not on every hourly retry */
  configError: string | null
  timer: NodeJS.Timeout | null
  wake: (() => void) | null
  done: Promise<void> | null
}

export function createOutboxWorker(opts: OutboxWorkerOptions): OutboxWorker {
  const { store, log } = opts
  const clock = opts.clock ?? systemClock
  const maxBatch = opts.maxBatch ?? 100
  const baseMs = opts.backoffBaseMs ?? 2000
  const capMs = opts.backoffCapMs ?? 10 * 60_000
  const configRetryMs = opts.configRetryMs ?? 60 * 60_000
  const configPauseMs = opts.configPauseMs ?? 5 * 60_000
  const idleCheckMs = opts.idleCheckMs ?? 60_000
  const random = opts.random ?? Math.random
  const stats: OutboxStats = { delivered: 0, messages: 0, digests: 0, failures: 0, dead: 0 }
  let running = false

  const lanes: Lane[] = [...opts.notifiers].map(([destination, notifier]) => ({
    destination,
    notifier,
    minIntervalMs: opts.minIntervalMs ?? notifier.pacing?.minIntervalMs ?? 1000,
    digestAfter: opts.digestAfter ?? notifier.pacing?.digestAfter ?? 5,
    nextSendAt: 0,
    pausedUntil: 0,
    configError: null,
    timer: null,
    wake: null,
    done: null,
  }))

  const sleep = (lane: Lane, ms: number): Promise<void> =>
    new Promise((resolve) => {
      const finish = () => {
        if (lane.timer) clearTimeout(lane.timer)
        lane.timer = null
        lane.wake = null
        resolve()
      }
      lane.wake = finish
      lane.timer = setTimeout(finish, Math.max(1, ms))
      lane.timer.unref()
    })

  const backoff = (attempts: number): number => {
    const d = Math.min(capMs, baseMs * 2 ** Math.min(attempts, 20))
    return Math.round(d * (0.5 + random() * 0.5))
  }

  async function loop(lane: Lane): Promise<void> {
    while (running) {
      const now = clock.now()
      const gate = Math.max(lane.nextSendAt, lane.pausedUntil)
      if (gate > now) {
        await sleep(lane, gate - now)
        continue
      }
      let rows: OutboxRow[]
      try {
        rows = store.outbox.due(lane.destination, now, maxBatch)
      } catch (err) {
        log.error({ destination: lane.destination, err }, 'Cannot read the outbox; trying again in 5 s.')
        await sleep(lane, 5000)
        continue
      }
      if (rows.length === 0) {
        let next: number | null = null
        try {
          next = store.outbox.nextDue(lane.destination)
        } catch {
          /* the next round reports it */
        }
        const wait = next === null ? idleCheckMs : Math.min(Math.max(next - now, 50), idleCheckMs)
        await sleep(lane, wait)
        continue
      }
      const batch = rows.length >= lane.digestAfter ? rows : rows.slice(0, 1)
      await deliver(lane, batch)
      lane.nextSendAt = clock.now() + lane.minIntervalMs
    }
  }

  async function deliver(lane: Lane, batch: OutboxRow[]): Promise<void> {
    const alerts = batch.map((r) => r.alert)
    const plain = batch.some((r) => r.lastError?.startsWith(PAYLOAD_MARK))
    const n = lane.notifier
    let failure: DeliveryError | undefined
    try {
      if (plain) await n.sendPlain(alerts)
      else if (batch.length > 1) await n.sendDigest(alerts)
      else await n.send(alerts[0] as OutboxRow['alert'])
    } catch (err) {
      // Anything but a DeliveryError is a bug in rendering or sending: treat it as a payload problem.
      failure =
        err instanceof DeliveryError
          ? err
          : new DeliveryError(
              `${n.label}: could not build the message: ${(err as Error).message}`,
              'payload',
              undefined,
              {
                cause: err,
              },
            )
    }
    const now = clock.now()
    if (!failure) {
      delivered(lane, batch, now)
      return
    }
    stats.failures++
    try {
      if (failure.kind === 'payload') onPayload(lane, batch, failure, plain, now)
      else if (failure.kind === 'config') onConfig(lane, batch, failure, now)
      else onRetry(lane, batch, failure, now)
    } catch (err) {
      log.error({ destination: lane.destination, err }, 'Cannot record a delivery attempt in the outbox.')
    }
  }

  function delivered(lane: Lane, batch: OutboxRow[], now: number): void {
    // Marked right after the 2xx: from here on a restart will not send these again.
    store.transaction(() => {
      for (const r of batch) store.outbox.markDelivered(r.id, now)
    })
    stats.delivered += batch.length
    stats.messages++
    if (batch.length > 1) stats.digests++
    log.debug({ destination: lane.destination, alerts: batch.length }, 'Alert delivered.')
    // The error may come from before a restart: meta is the durable record.
    if (lane.configError !== null || store.getMeta(notifyErrorKey(lane.destination))) {
      lane.configError = null
      recordNotifyError(store, lane.destination, null, now)
      // Whatever was parked by the config error goes out now instead of within the hour.
      let requeued = 0
      for (const r of store.outbox.list(['failed'])) {
        if (r.destination === lane.destination) requeued += store.outbox.retry(r.id, now)
      }
      log.info({ destination: lane.destination, requeued }, `Delivery to ${lane.notifier.label} works again.`)
    }
  }

  function onRetry(lane: Lane, batch: OutboxRow[], e: DeliveryError, now: number): void {
    const attempts = batch[0]?.attempts ?? 0
    const delay = e.retryAfterMs ?? backoff(attempts)
    lane.pausedUntil = now + delay
    store.transaction(() => {
      for (const r of batch) store.outbox.markAttempt(r.id, 'pending', now + delay, keepMark(r, e.message))
    })
    log.warn(
      { destination: lane.destination, alerts: batch.length, attempts: attempts + 1, retryInMs: delay },
      `${e.message}; trying again in ${Math.ceil(delay / 1000)} s.`,
    )
  }

  function onConfig(lane: Lane, batch: OutboxRow[], e: DeliveryError, now: number): void {
    // Everything due for this destination would meet the same error: park it all, nothing is dropped.
    const due = store.outbox.due(lane.destination, now, 100_000)
    const rows = due.length ? due : batch
    store.transaction(() => {
      for (const r of rows) store.outbox.markAttempt(r.id, 'failed', now + configRetryMs, keepMark(r, e.message))
    })
    lane.pausedUntil = now + Math.min(configPauseMs, configRetryMs)
    recordNotifyError(store, lane.destination, e.message, now)
    if (lane.configError !== e.message) {
      lane.configError = e.message
      log.error(
        { destination: lane.destination, alerts: rows.length },
        `${e.message}. The alerts are kept and tried again every hour; after fixing it, \`lookout outbox retry --all\` sends them now.`,
      )
    }
  }

  function onPayload(lane: Lane, batch: OutboxRow[], e: DeliveryError, wasPlain: boolean, now: number): void {
    if (!wasPlain) {
      // Once more as plain text, on the next turn of the loop (so pacing still applies).
      store.transaction(() => {
        for (const r of batch) store.outbox.markAttempt(r.id, 'pending', now, `${PAYLOAD_MARK}${e.message}`)
      })
      log.warn({ destination: lane.destination, alerts: batch.length }, `${e.message}; sending it again as plain text.`)
      return
    }
    store.transaction(() => {
      for (const r of batch) {
        const first = r.lastError?.startsWith(PAYLOAD_MARK) ? r.lastError.slice(PAYLOAD_MARK.length) : ''
        store.outbox.markDead(r.id, first ? `${first}; plain text too: ${e.message}` : e.message)
      }
    })
    stats.dead += batch.length
    log.error(
      { destination: lane.destination, alerts: batch.length, ids: batch.map((r) => r.alertId).slice(0, 10) },
      `${e.message}; the plain-text version was refused too, so the alert is set aside (\`lookout outbox\` shows it, \`lookout outbox retry\` tries again).`,
    )
  }

  const keepMark = (r: OutboxRow, message: string): string =>
    r.lastError?.startsWith(PAYLOAD_MARK) ? `${PAYLOAD_MARK}${message}` : message

  return {
    start() {
      if (running) return
      running = true
      for (const lane of lanes) {
        lane.done = loop(lane).catch((err: unknown) => {
          log.error({ destination: lane.destination, err }, 'The outbox worker stopped unexpectedly.')
        })
      }
    },
    async stop() {
      running = false
      for (const lane of lanes) lane.wake?.()
      await Promise.all(lanes.map((l) => l.done))
      for (const lane of lanes) lane.done = null
    },
    kick() {
      for (const lane of lanes) lane.wake?.()
    },
    get deliveredCount() {
      return stats.delivered
    },
    stats: () => ({ ...stats }),
  }
}
