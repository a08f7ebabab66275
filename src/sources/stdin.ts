import type { Readable } from 'node:stream'
import type { LineBatch } from '../core/types.js'
import { streamLines } from './stream-lines.js'

export interface StdinSourceOptions {
  maxLineBytes: number
  /** defaults to process.stdin (tests pass a stream) */
  input?: Readable
}

export interface StdinSource {
  /** One batch per chunk as it arrives (path 'stdin'); ends at end of input or when `signal` aborts. */
  batches(signal: AbortSignal): AsyncIterable<LineBatch>
}

/** Lines piped into lookout (`tail -F x | lookout run` with a `stdin` source). */
export function createStdinSource(opts: StdinSourceOptions): StdinSource {
  return {
    batches: (signal) =>
      streamLines(opts.input ?? process.stdin, { maxLineBytes: opts.maxLineBytes, signal, path: 'stdin' }),
  }
}
