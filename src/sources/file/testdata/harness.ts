/** Test helpers for the file source: a collecting consumer, numbered writers, waiting. */
import { appendFileSync, writeSync } from 'node:fs'
import { silentLogger } from '../../../core/log.js'
import type { LineBatch } from '../../../core/types.js'
import type { Checkpoint, CursorRepo } from '../../../store/store.js'
import { createFileSource, type FileSource, type FileSourceOptions, type SourceWarning } from '../tail.js'

export function memoryCursors(): CursorRepo {
  const m = new Map<string, Checkpoint>()
  return { get: (p) => m.get(p), put: (cp) => void m.set(cp.path, cp), all: () => [...m.values()] }
}

export const numbered = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`)

/** Appends lines `${prefix}-${from}` … `${prefix}-${to - 1}`, each with its newline, to a path or an open fd. */
export function writeLines(target: string | number, prefix: string, from: number, to: number): void {
  const text = numbered(prefix, from, to).join('\n') + (to > from ? '\n' : '')
  if (typeof target === 'number') writeSync(target, text)
  else appendFileSync(target, text)
}

export async function waitFor(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const until = Date.now() + ms
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export interface Running {
  source: FileSource
  lines: string[]
  batches: LineBatch[]
  warnings: SourceWarning[]
  stop(): Promise<void>
}

export type StartOptions = Partial<FileSourceOptions> &
  Pick<FileSourceOptions, 'specs'> & {
    /** the consumer's work per batch (e.g. saving a checkpoint); returning false stops consuming */
    onBatch?: (b: LineBatch) => boolean | undefined
  }

/** Starts a file source with test-speed timings and collects what it yields. */
export function startSource(opts: StartOptions): Running {
  const abort = new AbortController()
  const r: Omit<Running, 'stop'> = {
    source: createFileSource({
      cursors: memoryCursors(),
      maxLineBytes: 64 * 1024,
      log: silentLogger(),
      pollIntervalMs: 50,
      rotateQuietMs: 250,
      coalesceMs: 5,
      ...opts,
      onWarning: (w) => {
        r.warnings.push(w)
        opts.onWarning?.(w)
      },
    }),
    lines: [],
    batches: [],
    warnings: [],
  }
  const done = (async () => {
    for await (const b of r.source.batches(abort.signal)) {
      r.batches.push(b)
      for (const l of b.lines) r.lines.push(l)
      if (opts.onBatch?.(b) === false) break
    }
  })()
  return {
    ...r,
    stop: async () => {
      abort.abort()
      await done
    },
  }
}

/** The lines of one prefix, in the order read. */
export const only = (lines: string[], prefix: string): string[] => lines.filter((l) => l.startsWith(`${prefix}-`))
