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

/**
 * The reads of an open file, one after the other, into two buffers that take turns: the next read runs in libuv's
 * pool while the caller handles this one. Each read lands `front` bytes into its buffer (room for what the caller
 * carries over, e.g. a partial line); `buf` is the caller's until it asks for the read after next. Regular files are
 * read by position, pipes and devices (`/dev/stdin`, FIFOs) sequentially. (A class, not a generator: one await a
 * read, where a generator inside the readers' own cost ~6% of read+parse.)
 */
export class ReadAhead {
  /** the buffer of the last read: its bytes at [front, front + n) */
  buf: Buffer
  private readonly bufs: Buffer[]
  private k = 0
  private pos = 0
  private pending: Promise<number> | null

  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly opts: { size: number; positioned: boolean; front?: number },
  ) {
    const room = (opts.front ?? 0) + opts.size
    this.bufs = [Buffer.allocUnsafe(room), Buffer.allocUnsafe(room)]
    this.buf = this.bufs[0] as Buffer
    this.pending = this.read(this.buf)
  }

  private read(into: Buffer): Promise<number> {
    const front = this.opts.front ?? 0
    const r = readAt(
      this.fd,
      front === 0 ? into : into.subarray(front),
      this.opts.size,
      this.opts.positioned ? this.pos : -1,
    )
    r.catch(() => undefined) // (awaited by next; this only keeps a read pending at a break from counting as unhandled)
    return r
  }

  /** The next read into `buf`: how many bytes, 0 at the end. A failing read is a SourceError naming the path. */
  async next(): Promise<number> {
    if (this.pending === null) return 0
    let n: number
    try {
      n = await this.pending
    } catch (err) {
      this.pending = null
      throw readFailure(this.path, err)
    }
    if (n === 0) {
      this.pending = null
      return 0
    }
    this.pos += n
    this.buf = this.bufs[this.k] as Buffer
    this.k ^= 1
    // (the other buffer is free: the caller asked for this read)
    this.pending = this.read(this.bufs[this.k] as Buffer)
    return n
  }

  /** Waits for a read in flight: the descriptor may be closed after (its number could be reused meanwhile). */
  async close(): Promise<void> {
    if (this.pending !== null) await this.pending.catch(() => 0)
    this.pending = null
  }
}

async function* readPlain(path: string, opts: ReadLinesOptions): AsyncGenerator<LineBatch> {
  const { fd, st } = await openForReading(path)
  try {
    const fingerprint = st.isFile() ? await fingerprintFd(fd, st) : null
    const size = opts.chunkBytes ?? CHUNK_BYTES
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
    const reads = new ReadAhead(fd, path, { size, positioned: st.isFile() })
    try {
      for (let n = await reads.next(); n > 0; n = await reads.next()) {
        if (opts.signal?.aborted) return
        const start = splitter.offset
        const lines = splitter.push(n === size ? reads.buf : reads.buf.subarray(0, n))
        if (lines.length > 0) yield batch(lines, start)
      }
    } finally {
      await reads.close()
    }
    const start = splitter.offset
    const last = splitter.flush()
    if (last !== null) yield batch([last], start)
  } finally {
    closeQuietly(fd)
  }
}
