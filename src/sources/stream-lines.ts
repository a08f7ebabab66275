import type { Readable } from 'node:stream'
import type { Fingerprint, LineBatch } from '../core/types.js'
import { LineSplitter } from './line-splitter.js'

export interface StreamLinesOptions {
  maxLineBytes: number
  signal?: AbortSignal
  /** the batch path ('stdin' for stdin) */
  path: string
  site?: string
  fingerprint?: Fingerprint | null
}

/**
 * Lines of a byte stream (stdin, a gunzip stream), one batch per chunk as it arrives: a pipe's reader expects
 * a line typed now to show now. The last line is emitted at the end even without its newline.
 * Aborting ends the iteration quietly (the stream is destroyed).
 */
export async function* streamLines(stream: Readable, opts: StreamLinesOptions): AsyncGenerator<LineBatch> {
  const splitter = new LineSplitter(opts.maxLineBytes)
  const site = opts.site ?? ''
  const fingerprint = opts.fingerprint ?? null
  const batch = (lines: string[], startOffset: number, truncated: number): LineBatch => ({
    path: opts.path,
    site,
    fingerprint,
    lines,
    startOffset,
    endOffset: splitter.offset,
    bytes: splitter.offset - startOffset,
    truncated,
    raw: splitter.lastRaw,
  })
  const signal = opts.signal
  const onAbort = (): void => {
    stream.destroy()
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) return
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      const start = splitter.offset
      const lines = splitter.push(buf)
      if (lines.length > 0) yield batch(lines, start, splitter.lastTruncated)
      if (signal?.aborted) return
    }
    const start = splitter.offset
    const last = splitter.flush()
    if (last !== null) yield batch([last], start, splitter.lastTruncated)
  } catch (err) {
    if (signal?.aborted) return
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}
