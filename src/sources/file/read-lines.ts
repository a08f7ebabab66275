/**
 * Offline reading for `lookout parse` and `lookout scan`: a plain file, a `.gz` file, or `-` for stdin.
 * Big reads (256 KiB), one batch per read, so the per-line cost is the split and nothing else.
 */
import { createReadStream, type Stats } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { SourceError } from '../../core/errors.js'
import type { LineBatch } from '../../core/types.js'
import { LineSplitter } from '../line-splitter.js'
import { streamLines } from '../stream-lines.js'
import { closeQuietly, errCode, fingerprintFd, fstatFd, openFd, readAt } from './fd.js'

export interface ReadLinesOptions {
  maxLineBytes: number
  signal?: AbortSignal
  /** bytes per read; default 256 KiB */
  chunkBytes?: number
}

/**
 * 256 KiB: big enough that the per-read cost vanishes. Its lines are what is alive while a batch is handled, and what
 * survives each scavenge in the meantime: V8 grows the young generation by what survives, so smaller batches keep it
 * (and the peak RSS) smaller. The splitter decodes in 32 KiB pieces whatever the read size.
 */
export const CHUNK_BYTES = 256 * 1024

/** The reason in plain words, for the errors people meet; the code otherwise (the cause keeps the details). */
function why(err: unknown): string {
  const code = errCode(err)
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied (the user running lookout needs read access, e.g. through the adm group)',
    Z_DATA_ERROR: 'not a valid gzip file',
    Z_BUF_ERROR: 'the gzip file is cut short',
  }
  return words[code] ?? (code === 'EUNKNOWN' ? (err as Error).message : code)
}

/** `cannot read PATH: <why>`, the error every offline reader throws. */
export const readFailure = (path: string, err: unknown): SourceError =>
  new SourceError(`cannot read ${path}: ${why(err)}`, path, { cause: err })

/** Every line of `path` ('-' is stdin, `*.gz` is gunzipped), in batches; the last line needs no newline. */
export function readLines(path: string, opts: ReadLinesOptions): AsyncIterable<LineBatch> {
  const base = { maxLineBytes: opts.maxLineBytes, ...(opts.signal ? { signal: opts.signal } : {}) }
  if (path === '-') return streamLines(process.stdin, { ...base, path: 'stdin' })
  if (path.endsWith('.gz')) return readGzip(path, base)
  return readPlain(path, opts)
}

async function* readGzip(
  path: string,
  opts: { maxLineBytes: number; signal?: AbortSignal },
): AsyncGenerator<LineBatch> {
  const file = createReadStream(path)
  const gunzip = createGunzip({ chunkSize: 256 * 1024 })
  file.on('error', (err) => gunzip.destroy(err))
  file.pipe(gunzip)
  try {
    yield* streamLines(gunzip, { ...opts, path })
  } catch (err) {
    throw readFailure(path, err)
  } finally {
    file.destroy()
    gunzip.destroy()
  }
}

/** A file opened for an offline reader, with its stat; a directory or an open that fails is a SourceError. */
export async function openForReading(path: string): Promise<{ fd: number; st: Stats }> {
  let fd: number
  try {
    fd = await openFd(path, 'r')
  } catch (err) {
    throw readFailure(path, err)
  }
  try {
    const st = await fstatFd(fd)
    if (st.isDirectory()) throw new SourceError(`cannot read ${path}: it is a directory`, path)
    return { fd, st }
  } catch (err) {
    closeQuietly(fd)
    throw err
  }
}

async function* readPlain(path: string, opts: ReadLinesOptions): AsyncGenerator<LineBatch> {
  const { fd, st } = await openForReading(path)
  try {
    const fingerprint = st.isFile() ? await fingerprintFd(fd, st) : null
    const size = opts.chunkBytes ?? CHUNK_BYTES
    // two buffers: the next read runs in libuv's thread pool while the consumer handles the lines of this one
    const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)]
    const splitter = new LineSplitter(opts.maxLineBytes)
    const batch = (lines: string[], startOffset: number): LineBatch => ({
      path,
      site: '',
      fingerprint,
      lines,
      startOffset,
      endOffset: splitter.offset,
      bytes: splitter.offset - startOffset,
      truncated: splitter.lastTruncated,
      raw: splitter.lastRaw,
    })
    // regular files are read by position; pipes and devices (`/dev/stdin`, FIFOs) sequentially
    const positioned = st.isFile()
    const read = (into: Buffer, at: number): Promise<number> => {
      const r = readAt(fd, into, size, positioned ? at : -1)
      r.catch(() => undefined) // (awaited below; this only keeps a read pending at a break from counting as unhandled)
      return r
    }
    let k = 0
    let pending: Promise<number> | null = read(bufs[0] as Buffer, 0)
    try {
      for (;;) {
        if (opts.signal?.aborted) return
        let n: number
        try {
          n = await pending
        } catch (err) {
          throw readFailure(path, err)
        } finally {
          pending = null
        }
        if (n === 0) break
        const buf = bufs[k] as Buffer
        k ^= 1
        pending = read(bufs[k] as Buffer, splitter.readPos + n)
        const start = splitter.offset
        const lines = splitter.push(n === size ? buf : buf.subarray(0, n))
        if (lines.length > 0) yield batch(lines, start)
      }
    } finally {
      // a read still in flight must finish before the descriptor is closed (its number could be reused meanwhile)
      if (pending !== null) await pending.catch(() => 0)
      pending = null
    }
    const start = splitter.offset
    const last = splitter.flush()
    if (last !== null) yield batch([last], start)
  } finally {
    closeQuietly(fd)
  }
}
