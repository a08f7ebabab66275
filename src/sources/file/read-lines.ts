/**
 * Offline reading for `lookout parse` and `lookout scan`: a plain file, a `.gz` file, or `-` for stdin.
 * Big reads (256 KiB), one batch per read, so the per-line cost is the split and nothing else.
 */
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { SourceError } from '../../core/errors.js'
import type { LineBatch } from '../../core/types.js'
import { LineSplitter } from '../line-splitter.js'
import { streamLines } from '../stream-lines.js'
import { closeQuietly, errCode, fingerprintFd, fstatFd, openFd, readAt } from './fsx.js'

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
/** reads in flight at once on a regular file */
const READ_AHEAD = 3

/** Every line of `path` ('-' is stdin, `*.gz` is gunzipped), in batches; the last line needs no newline. */
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
    throw new SourceError(`cannot read ${path}: ${why(err)}`, path, {
      cause: err,
    })
  } finally {
    file.destroy()
    gunzip.destroy()
  }
}

async function* readPlain(path: string, opts: ReadLinesOptions): AsyncGenerator<LineBatch> {
  let fd: number
  try {
    fd = await openFd(path, 'r')
  } catch (err) {
    throw new SourceError(`cannot read ${path}: ${why(err)}`, path, { cause: err })
  }
  try {
    const st = await fstatFd(fd)
    if (st.isDirectory()) throw new SourceError(`cannot read ${path}: it is a directory`, path)
    const fingerprint = st.isFile() ? await fingerprintFd(fd, st) : null
    const size = opts.chunkBytes ?? CHUNK_BYTES
    // regular files are read by position, READ_AHEAD reads at a time in libuv's thread pool while the consumer
    // handles the lines of the chunk before (a read sometimes waits for a thread: one in flight left the parser
    // idle ~8% of the time); pipes and devices (`/dev/stdin`, FIFOs) one read at a time
    const positioned = st.isFile()
    const depth = positioned ? READ_AHEAD : 1
    const spare: Buffer[] = Array.from({ length: depth + 1 }, () => Buffer.allocUnsafe(size))
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
    const ahead: { buf: Buffer; done: Promise<number> }[] = []
    let next = 0 // file offset of the next read to start
    const readNext = (): void => {
      const buf = spare.pop() as Buffer
      const done = readAt(fd, buf, size, positioned ? next : -1)
      done.catch(() => undefined) // (awaited below; this only keeps a read pending at a break from counting as unhandled)
      ahead.push({ buf, done })
      next += size
    }
    /** waits for the reads still in flight and takes their buffers back (what they read is not used) */
    const drop = async (): Promise<void> => {
      for (const a of ahead.splice(0)) {
        await a.done.catch(() => 0)
        spare.push(a.buf)
      }
    }
    let held: Buffer | null = null // the buffer of the batch the consumer has
    readNext()
    try {
      for (;;) {
        if (opts.signal?.aborted) return
        const head = ahead.shift() as { buf: Buffer; done: Promise<number> }
        let n: number
        try {
          n = await head.done
        } catch (err) {
          spare.push(head.buf)
          throw new SourceError(`cannot read ${path}: ${why(err)}`, path, { cause: err })
        }
        if (held !== null) spare.push(held) // (the consumer asked for more: it is done with that batch)
        held = head.buf
        if (n === 0) break
        if (n === size && positioned) {
          while (ahead.length < depth) readNext()
        } else {
          // the end for now (the file may still grow) or a pipe: nothing read past here is used; one read at a time
          await drop()
          next = splitter.readPos + n
          readNext()
        }
        const from = splitter.offset
        const lines = splitter.push(n === size ? head.buf : head.buf.subarray(0, n))
        if (lines.length > 0) yield batch(lines, from)
      }
    } finally {
      // reads still in flight must finish before the descriptor is closed (its number could be reused meanwhile)
      await drop()
    }
    const start = splitter.offset
    const last = splitter.flush()
    if (last !== null) yield batch([last], start)
  } finally {
    closeQuietly(fd)
  }
}
