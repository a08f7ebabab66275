/**
 * `lookout scan`: old logs through the same parsers, rules and incident manager as `run`, on event time.
 *
 * Several files are MERGED in event-time order: each file is read in batches and the file whose next event is the
 * oldest goes next. Rotated files (`access.log.2.gz`, `.1`, `access.log`) thus come oldest first, and per-site logs
 * covering the same day interleave as the server wrote them, so an attacker hitting several sites at once is seen
 * at once. While one file's events stay older than every other file's next event, it is read in a tight loop with no
 * heap work (the usual case: one file, or rotations that do not overlap).
 */

import { open, stat } from 'node:fs/promises'
import type { LookoutConfig } from '../config/schema.js'
import { createIpMatcher } from '../core/ip.js'
import type { Alert, Incident, Parser } from '../core/types.js'
import { createDetection } from '../detection.js'
import type { FormatConfig } from '../parsers/config.js'
import { createParser, isClfFormat, parseLines } from '../parsers/index.js'
import { CHUNK_BYTES, readLines } from '../sources/file/read-lines.js'
import { memoryIncidentStore } from '../store/memory-store.js'
import { EventBatch, type ScanBatch, type Watched } from './batch.js'
import { clfBatches } from './clf-batches.js'
import { setupFor } from './source-match.js'

export interface ScanProgress {
  /** bytes read so far (uncompressed for .gz) */
  bytes: number
  /** the expected total (for .gz the size recorded in the gzip trailer); 0 when unknown (stdin) */
  totalBytes: number
  lines: number
}

export interface ScanOptions {
  config: LookoutConfig
  /** --format: overrides the configured source format for every file */
  format?: FormatConfig
  /** called after each batch read (every 256 KiB, or 1 MiB through the WebAssembly pass) */
  onProgress?: (p: ScanProgress) => void
  /** bytes per read; default 256 KiB, less with many files */
  chunkBytes?: number
  /**
   * Plain CLF files through the WebAssembly pass (clf-batches.ts), which makes no event of a line no rule can match
   * unless an incident asks; default true. false: every line becomes an event (the tests compare the two).
   */
  fastPath?: boolean
}

export interface ScanReport {
  lines: number
  parsed: number
  unparsed: number
  /** every incident, resolved and still open at the end of the logs, oldest first */
  incidents: Incident[]
}

/** How often (in event time) idle windows are swept and quiet incidents resolved. */
const SWEEP_EVERY_MS = 60_000
/** Bytes per read of the WebAssembly pass (clf-batches.ts). */
const PASS_BYTES = 1 << 20
/** Read buffers share this budget when many files are scanned at once. */
const READ_BUDGET_BYTES = 32 << 20

interface Cursor {
  /** position among the arguments: ties in time keep the command-line order */
  order: number
  batches: AsyncIterator<ScanBatch>
  /** the batch whose current line is the file's next event */
  b: ScanBatch
  /** its time */
  head: number
}

const NO_LINES: ScanBatch = new EventBatch([], [], 0)

/** The uncompressed size a gzip file records in its last 4 bytes (mod 4 GiB; the last member only). */
async function gzipSize(path: string): Promise<number> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    if (size < 18) return size
    const buf = Buffer.alloc(4)
    await fh.read(buf, 0, 4, size - 4)
    return buf.readUInt32LE(0)
  } finally {
    await fh.close()
  }
}

async function expectedBytes(files: readonly string[]): Promise<number> {
  let total = 0
  for (const f of files) {
    if (f === '-') continue
    try {
      total += f.endsWith('.gz') ? await gzipSize(f) : (await stat(f)).size
    } catch {
      // unreadable files fail properly when they are read
    }
  }
  return total
}

/** Min-heap of cursors by (head time, order). */
const before = (a: Cursor, b: Cursor): boolean => a.head < b.head || (a.head === b.head && a.order < b.order)

function siftDown(h: Cursor[], i: number): void {
  const n = h.length
  for (;;) {
    const l = 2 * i + 1
    const r = l + 1
    let m = i
    if (l < n && before(h[l] as Cursor, h[m] as Cursor)) m = l
    if (r < n && before(h[r] as Cursor, h[m] as Cursor)) m = r
    if (m === i) return
    const t = h[i] as Cursor
    h[i] = h[m] as Cursor
    h[m] = t
    i = m
  }
}

export async function runScan(files: string[], opts: ScanOptions): Promise<ScanReport> {
  const cfg = opts.config
  const totalBytes = await expectedBytes(files)
  // at most the readers' usual 256 KiB: a batch's lines and events are what survives each scavenge (1 MiB batches
  // kept ~2.3 MB alive at every one: on the 1M-line bench day 187 ms of GC and 123 MiB peak RSS, against 100 ms
  // and 111 MiB)
  const share = Math.floor(READ_BUDGET_BYTES / Math.max(1, files.length))
  const chunkBytes = opts.chunkBytes ?? Math.max(64 << 10, Math.min(CHUNK_BYTES, share))
  // the WebAssembly pass makes no objects for most lines: bigger reads only save calls (per read: a read, a pass, a
  // batch). On the bench day 1 MiB against 256 KiB: 1.19 s against 1.41 s (medians of 7, alternating), same RSS.
  const passBytes = opts.chunkBytes ?? Math.max(64 << 10, Math.min(PASS_BYTES, share))
  const trustedProxies = createIpMatcher(cfg.trusted_proxies)
  const store = memoryIncidentStore()
  const { engine, incidents } = createDetection(cfg, store)
  let lines = 0
  let parsed = 0
  let unparsed = 0
  let bytes = 0
  const resolved: Incident[] = []
  const progress = opts.onProgress

  const collect = (alerts: Alert[]): void => {
    for (const a of alerts) if (a.step === 'resolved') resolved.push(a.incident)
  }

  /** Moves the cursor to the next event of its batch; false when the batch is used up. */
  const nextInBatch = (c: Cursor): boolean => {
    if (!c.b.next()) return false
    parsed++
    c.head = c.b.time
    return true
  }

  /** Moves the cursor to its file's next event, reading batches as needed; false at the end of the file. */
  const next = async (c: Cursor): Promise<boolean> => {
    for (;;) {
      if (nextInBatch(c)) return true
      unparsed += c.b.unparsed
      c.b = NO_LINES
      const r = await c.batches.next()
      if (r.done) return false
      c.b = r.value
      lines += r.value.lines
      bytes += r.value.bytes
      progress?.({ bytes, totalBytes, lines })
    }
  }

  let latest = Number.NEGATIVE_INFINITY
  let lastSweep = Number.NEGATIVE_INFINITY
  const watched: Watched = { ipv4: (bits) => incidents.watchesIpv4(bits), ip: (ip) => incidents.watchesIp(ip) }
  /** The cursor's head line through the rules and incidents: its event is made only when one of them wants it. */
  const handle = (c: Cursor): void => {
    const b = c.b
    if (c.head > latest) latest = c.head
    if (b.maybe) {
      const e = b.event()
      const findings = engine.observe(e)
      if (findings.length > 0) {
        const line = b.line()
        for (const f of findings) collect(incidents.onFinding(f, line))
      } else collect(incidents.onEvent(e, b.line()))
    } else if (b.v4 >= 0 ? incidents.watchesIpv4(b.v4) : incidents.watchesIp(b.ip())) {
      // no rule can match it: only an incident of its IP or subnet counts it (site incidents count their rules' events)
      collect(incidents.onEvent(b.event(), b.line()))
    }
    if (latest - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = latest
      engine.sweep(latest)
      collect(incidents.tick(latest))
    }
  }

  const cursors: Cursor[] = files.map((path, order) => {
    const setup = setupFor(path, cfg, opts.format)
    const parser = createParser(setup.format, { trustedProxies })
    const read = { maxLineBytes: cfg.max_line_bytes, chunkBytes }
    const batches =
      opts.fastPath !== false && readsAsClf(path, setup.format)
        ? clfBatches(path, {
            ...read,
            chunkBytes: passBytes,
            parser,
            site: setup.site,
            prefilter: engine.prefilter.spec(),
            // (no trusted proxies: the parser never takes a client from X-Forwarded-For, and the pass skips it)
            xff: trustedProxies.size > 0,
          })
        : threadBatches(path, parser, setup.site, read)
    return { order, batches: batches[Symbol.asyncIterator](), b: NO_LINES, head: 0 }
  })

  try {
    const heap: Cursor[] = []
    for (const c of cursors) if (await next(c)) heap.push(c)
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i)

    while (heap.length > 0) {
      const c = heap[0] as Cursor
      // the oldest next event among the other files: this file runs freely until it passes it
      let bound = Number.POSITIVE_INFINITY
      const l = heap[1]
      const r = heap[2]
      if (l !== undefined) bound = l.head
      if (r !== undefined && r.head < bound) bound = r.head
      for (;;) {
        handle(c)
        // the lines after it that nobody wants, in one go (what handle would do with each: count it, move time on)
        const skipped = c.b.skip(bound, lastSweep + SWEEP_EVERY_MS, watched)
        if (skipped > 0) {
          parsed += skipped
          if (c.b.skippedTime > latest) latest = c.b.skippedTime
        }
        if (!nextInBatch(c) && !(await next(c))) {
          const last = heap.pop() as Cursor
          if (heap.length > 0 && last !== c) {
            heap[0] = last
            siftDown(heap, 0)
          }
          break
        }
        if (c.head > bound) {
          siftDown(heap, 0)
          break
        }
      }
    }
    // the end of the logs is "now": incidents quiet for resolve_after before the last line are over
    if (latest > Number.NEGATIVE_INFINITY) collect(incidents.tick(latest))
    const all = [...resolved, ...incidents.open()].sort(
      (a, b) => a.firstSeen - b.firstSeen || Number(a.id) - Number(b.id),
    )
    return { lines, parsed, unparsed, incidents: all }
  } finally {
    await Promise.allSettled(cursors.map((c) => c.batches.return?.()))
  }
}

/** A file's batches parsed on this thread. */
async function* threadBatches(
  path: string,
  parser: Parser,
  site: string,
  opts: { maxLineBytes: number; chunkBytes: number },
): AsyncGenerator<ScanBatch> {
  for await (const b of readLines(path, opts)) yield new EventBatch(b.lines, parseLines(parser, b, site), b.bytes)
}

/** Files the WebAssembly pass reads (clf-batches.ts): plain files in a CLF format, or `auto` (while it reads CLF). */
function readsAsClf(path: string, format: FormatConfig): boolean {
  if (path === '-' || path.endsWith('.gz')) return false
  return format === 'auto' || isClfFormat(format)
}
