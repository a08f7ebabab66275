/**
 * The one file that wires the stages together (read it first):
 *
 *   sources ──batches──▶ parsers ──events──▶ detectors ──findings──▶ incidents ──alerts──▶ outbox ──▶ notifiers
 *
 * A batch is handled synchronously from parse to alerts; its checkpoint and its alerts are then written in ONE store
 * transaction, so after a crash a line is either fully accounted for (offset moved, alerts queued) or read again.
 */

import type { LookoutConfig, SourceConfig } from './config/schema.js'
import { type Clock, systemClock } from './core/clock.js'
import { createIpMatcher } from './core/ip.js'
import type { Logger } from './core/log.js'
import { type Alert, isParseFailure, type LineBatch, type ParseResult, type Parser } from './core/types.js'
import { createDetection } from './detection.js'
import type { Engine } from './detectors/engine.js'
import type { IncidentManager } from './incidents/manager.js'
import { createNotifiers } from './notifiers/index.js'
import { createOutboxWorker } from './notifiers/outbox-worker.js'
import { createParser, parseLines } from './parsers/index.js'
import { matchSourcePath } from './sources/file/match-path.js'
import { readLinesBefore } from './sources/file/read-before.js'
import { createFileSource } from './sources/file/tail.js'
import { createStdinSource } from './sources/stdin.js'
import type { Checkpoint, Store } from './store/store.js'

export interface PipelineOptions {
  config: LookoutConfig
  store: Store
  log: Logger
  /**
   * The detection timeline's "now" for sweeping windows and resolving quiet incidents (default: the wall clock;
   * the demo passes an accelerated one). Bookkeeping (outbox, lastLineAt) always uses the wall clock.
   */
  clock?: Clock
  /** how often idle state is swept and quiet incidents resolved (ms) */
  sweepIntervalMs?: number
  /** called for every alert once it is safely in the outbox (the console and demo use it) */
  onAlert?: (alert: Alert) => void
}

export interface PipelineStats {
  lines: number
  unparsed: number
  alerts: number
  storeWriteFailures: number
}

export interface Pipeline {
  /** resolves when every source has ended (stdin at EOF) or after stop() */
  readonly done: Promise<void>
  stop(): Promise<void>
  stats(): PipelineStats
  engine: Engine
  incidents: IncidentManager
}

/** After a restart, at most this much of each file's tail refills the detection windows… */
const REPLAY_BYTES = 2 * 1024 * 1024
/** …and only for files that had lines this recently. */
const REPLAY_WITHIN_MS = 60 * 60_000

/** How many unparsed lines per path are shown to the operator in the log before going quiet. */
const UNPARSED_SAMPLES = 5

interface SourceRun {
  spec: SourceConfig
  batches: AsyncIterable<LineBatch>
}

export function startPipeline(opts: PipelineOptions): Pipeline {
  const { config: cfg, store, log } = opts
  const clock = opts.clock ?? systemClock
  const abort = new AbortController()
  const stats: PipelineStats = { lines: 0, unparsed: 0, alerts: 0, storeWriteFailures: 0 }

  const trustedProxies = createIpMatcher(cfg.trusted_proxies)
  const { engine, incidents } = createDetection(cfg, store)
  const notifiers = createNotifiers(cfg, log)
  const destinations = [...notifiers.keys()]
  const worker = createOutboxWorker({ store, notifiers, log })

  // Checkpoints (with their running counts) are kept in memory and written with each batch.
  const checkpoints = new Map<string, Checkpoint>()
  const pendingAlerts: Alert[] = []
  const unparsedShown = new Map<string, number>()
  const parsers = new Map<string, Parser>()

  const parserFor = (spec: SourceConfig, path: string): Parser => {
    let p = parsers.get(path)
    if (!p) {
      // one parser per file: `auto` locks onto each file's own format
      p = createParser(spec.format, { trustedProxies })
      parsers.set(path, p)
    }
    return p
  }

  const checkpointFor = (path: string): Checkpoint => {
    let cp = checkpoints.get(path)
    if (!cp) {
      cp = store.cursors.get(path) ?? {
        path,
        fingerprint: null,
        offset: 0,
        lines: 0,
        bytes: 0,
        unparsed: 0,
        truncated: 0,
        lastLineAt: null,
      }
      checkpoints.set(path, cp)
    }
    return cp
  }

  /** Writes dirty checkpoints and queued alerts atomically; on failure (disk full…) keeps them and tries again later. */
  const dirty = new Set<string>()
  const flush = (): boolean => {
    try {
      const now = Date.now()
      const committed = store.transaction(() => {
        for (const path of dirty) store.cursors.put(checkpointFor(path))
        for (const a of pendingAlerts) store.outbox.enqueue(a, destinations, now)
        return incidents.persist()
      })
      committed()
    } catch (err) {
      stats.storeWriteFailures++
      if (stats.storeWriteFailures === 1 || stats.storeWriteFailures % 100 === 0) {
        log.error(
          { store: store.path, failures: stats.storeWriteFailures, err: (err as Error).message },
          'Cannot write to the store; checkpoints and alerts are kept in memory and retried.',
        )
      }
      return false
    }
    dirty.clear()
    const sent = pendingAlerts.splice(0)
    stats.alerts += sent.length
    if (sent.length) {
      worker.kick()
      for (const a of sent) opts.onAlert?.(a)
    }
    return true
  }

  const handleBatch = (spec: SourceConfig, batch: LineBatch): void => {
    const parser = parserFor(spec, batch.path)
    const site = batch.site || (spec.site ?? '')
    let unparsed = 0
    const results = parseLines(parser, batch, site)
    for (let i = 0; i < results.length; i++) {
      const r = results[i] as ParseResult
      const line = batch.lines[i] as string
      if (isParseFailure(r)) {
        unparsed++
        const shown = unparsedShown.get(batch.path) ?? 0
        if (shown < UNPARSED_SAMPLES) {
          unparsedShown.set(batch.path, shown + 1)
          log.warn(
            { path: batch.path, reason: r.error, line: line.slice(0, 200) },
            shown + 1 === UNPARSED_SAMPLES
              ? 'Line not understood (further ones are only counted).'
              : 'Line not understood.',
          )
        }
        continue
      }
      const findings = engine.observe(r)
      for (const f of findings) pendingAlerts.push(...incidents.onFinding(f, line))
      // counts the attempt on an open incident (an event already counted through a finding is not counted twice)
      const more = incidents.onEvent(r, line)
      if (more.length) pendingAlerts.push(...more)
    }
    const cp = checkpointFor(batch.path)
    cp.fingerprint = batch.fingerprint
    cp.offset = batch.endOffset
    cp.lines += batch.lines.length
    cp.bytes += batch.bytes
    cp.unparsed += unparsed
    cp.truncated += batch.truncated
    if (batch.lines.length) cp.lastLineAt = Date.now()
    dirty.add(batch.path)
    stats.lines += batch.lines.length
    stats.unparsed += unparsed
    flush()
  }

  const runs: SourceRun[] = cfg.sources.map((spec) => ({
    spec,
    batches:
      spec.type === 'stdin'
        ? createStdinSource({ maxLineBytes: cfg.max_line_bytes }).batches(abort.signal)
        : createFileSource({
            specs: [{ path: spec.path, startAt: spec.start_at, ...(spec.site ? { site: spec.site } : {}) }],
            cursors: store.cursors,
            maxLineBytes: cfg.max_line_bytes,
            log,
          }).batches(abort.signal),
  }))

  // After a restart, refill the detection windows with what was read just before the stop (their state lived in
  // memory), so that an attack split by a restart is still seen whole. Findings from this replay were already
  // handled before the stop, so they are dropped.
  for (const spec of cfg.sources) {
    if (spec.type !== 'file') continue
    for (const cp of store.cursors.all()) {
      if (!cp.fingerprint || cp.lastLineAt === null || Date.now() - cp.lastLineAt > REPLAY_WITHIN_MS) continue
      const site = matchSourcePath(spec.path, cp.path)
      if (site === null) continue
      const lines = readLinesBefore(cp.path, cp.fingerprint, cp.offset, REPLAY_BYTES)
      if (!lines) continue
      const parser = parserFor(spec, cp.path)
      for (const line of lines) {
        const r = parser.parse(line, spec.site ?? site)
        if (!isParseFailure(r)) engine.observe(r)
      }
      log.debug({ path: cp.path, lines: lines.length }, 'Detection windows refilled from before the restart.')
    }
  }

  const sweep = (): void => {
    const now = clock.now()
    engine.sweep(now)
    pendingAlerts.push(...incidents.tick(now))
    flush()
  }
  const sweepTimer = setInterval(sweep, opts.sweepIntervalMs ?? 1000)
  sweepTimer.unref()

  worker.start()
  const consume = async (run: SourceRun): Promise<void> => {
    try {
      for await (const batch of run.batches) handleBatch(run.spec, batch)
    } catch (err) {
      if (!abort.signal.aborted) log.error({ err: (err as Error).message }, 'A source stopped with an error.')
    }
  }
  const done = Promise.all(runs.map(consume)).then(() => {
    sweep()
  })

  let stopping: Promise<void> | undefined
  return {
    done,
    engine,
    incidents,
    stats: () => ({ ...stats }),
    stop: () => {
      stopping ??= (async () => {
        abort.abort()
        clearInterval(sweepTimer)
        await done
        flush()
        await worker.stop()
      })()
      return stopping
    },
  }
}
