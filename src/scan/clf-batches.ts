/**
 * `scan`'s fast path for Common Log Format files (plain files read as `combined`, `vhost_combined`, `nginx`,
 * `common` or `auto`): each read's whole lines go through the WebAssembly pass (clf-tokenizer/scan.as.ts), which
 * splits and tokenizes them and runs the engine's prefilter. A line it calls QUIET (plain, and no rule can match it:
 * most of a day) stays bytes: the scan loop reads its time and client from the pass's record and makes its event only
 * when an open incident asks. Every other line is read by the file's parser, in order, as `scan` reads any file.
 *
 * The lines are those the line splitter makes (line-splitter.ts): split at '\n', a '\r' before it dropped, a line
 * over max_line_bytes cut on a UTF-8 boundary (of a longer line only max_line_bytes + 4 bytes are kept: the cut is
 * the same), the last line without its newline kept.
 */

import { ipv4FromBits, normalizeIp } from '../core/ip.js'
import { isParseFailure, type LineBatch, type LogEvent, type ParseResult, type Parser } from '../core/types.js'
import {
  HIT,
  REC_IP_FROM,
  REC_IP_TO,
  REC_JS,
  REC_KIND,
  REC_LEN,
  REC_QUIET,
  REC_SHAPE,
  REC_START,
  REC_TIME_F64,
  REC_V4,
  REC_VHOST_TO,
  REC_WORDS,
  TABLE_SLOTS,
} from '../parsers/clf-tokenizer/slots.js'
import { clfTokenizer } from '../parsers/clf-tokenizer/tokenizer.js'
import { siteAt } from '../parsers/event.js'
import { parseLines } from '../parsers/index.js'
import { closeQuietly } from '../sources/file/fd.js'
import { openForReading, ReadAhead } from '../sources/file/read-lines.js'
import { lineText } from '../sources/line-splitter.js'
import type { ScanBatch, Watched } from './batch.js'

export interface ClfBatchesOptions {
  /** the file's parser: reads the lines the pass leaves to JavaScript, and makes the events asked for */
  parser: Parser
  site: string
  /** the engine's prefilter tables (Prefilter.spec) */
  prefilter: Uint8Array
  /** trusted proxies are configured: the parser may take the client from X-Forwarded-For (else the pass skips it) */
  xff: boolean
  maxLineBytes: number
  chunkBytes: number
}

const NL = 10
/** Lines the parser reads in one batch at most (parseRun). */
const RUN_MAX = 4096

/**
 * What was made of each slot of the scan's table of clients (SCAN_IP_TABLE in tokenizer.as.ts): the text normalised
 * as clf.ts does (null: not an IP). Filled right after each pass, in the order of its lines, so that it always holds
 * what the table holds (the table is the process's, like this).
 */
const clientOfSlot: (string | null)[] = new Array<string | null>(TABLE_SLOTS).fill(null)

/** The clients of a pass's QUIET lines that are no dotted quad, by line, in `into`; null when there are none. */
function clientsOf(chunk: Buffer, recs: Int32Array, n: number, into: (string | null)[]): (string | null)[] | null {
  let out: (string | null)[] | null = null
  while (into.length < n) into.push(null)
  for (let i = 0; i < n; i++) {
    const r = i * REC_WORDS
    if (recs[r + REC_KIND] !== REC_QUIET || recs[r + REC_SHAPE] === 4) continue
    const slot = recs[r + REC_V4] as number
    let ip: string | null
    if (slot >= HIT) ip = clientOfSlot[slot - HIT] as string | null
    else {
      const at = recs[r + REC_START] as number
      ip = normalizeIp(
        chunk.toString('latin1', at + (recs[r + REC_IP_FROM] as number), at + (recs[r + REC_IP_TO] as number)),
      )
      if (slot >= 0) clientOfSlot[slot] = ip
    }
    // (only the entries of such lines are read, each written first: the array is the reader's, reused)
    out = into
    out[i] = ip
  }
  return out
}

class ClfBatch implements ScanBatch {
  unparsed = 0
  time = 0
  maybe = false
  v4 = -1
  skippedTime = Number.NEGATIVE_INFINITY
  private i = -1
  private e: LogEvent | null = null
  private text: string | null = null
  /** the current QUIET line's client when not IPv4 */
  private ipText: string | null = null
  /** the lines [runFrom, runTo) the parser read together (parseRun): their results and texts */
  private run: ParseResult[] = []
  private runLines: string[] = []
  private runFrom = 0
  private runTo = 0
  private readonly lock: (() => number) | null
  /** the parser reads the next line as CLF would (lock 0): asked again after each line it reads, as only that changes it */
  private clf: boolean
  private readonly f64: Float64Array

  constructor(
    /** the lines' bytes, valid until the reader is asked for the next batch (and so are the records) */
    private readonly chunk: Buffer,
    private readonly recs: Int32Array,
    readonly lines: number,
    private readonly opts: ClfBatchesOptions,
    readonly bytes: number,
    /** by line, the clients of QUIET lines that are no dotted quad, normalised (null: not an IP); null: none */
    private readonly clients: (string | null)[] | null,
  ) {
    this.f64 = new Float64Array(recs.buffer, recs.byteOffset, recs.length >> 1)
    this.lock = opts.parser.lock?.bind(opts.parser) ?? null
    this.clf = this.lock === null || this.lock() === 0
  }

  private parsed(r: ParseResult): ParseResult {
    if (this.lock !== null) this.clf = this.lock() === 0
    return r
  }

  next(): boolean {
    const recs = this.recs
    while (++this.i < this.lines) {
      const i = this.i
      this.text = null
      let ev: ParseResult
      if (i < this.runTo) ev = this.run[i - this.runFrom] as ParseResult
      else {
        const r = i * REC_WORDS
        const kind = recs[r + REC_KIND]
        if (kind === REC_QUIET && this.clf) {
          // a QUIET line reads as CLF (so does `auto` while locked onto CLF with nothing pending: lock 0); a client
          // that is no dotted quad as clf.ts reads it: normalised (if that fails, the parser says what the line is)
          const v6 = recs[r + REC_SHAPE] !== 4
          const ip = v6 ? (this.clients?.[i] ?? null) : null
          if (!v6 || ip !== null) {
            this.e = null
            this.ipText = ip
            this.v4 = v6 ? -1 : (recs[r + REC_V4] as number) >>> 0
            this.maybe = false
            this.time = this.f64[(r >> 1) + REC_TIME_F64] as number
            return true
          }
        }
        ev = this.parsed(kind === REC_QUIET ? this.opts.parser.parse(this.line(), this.opts.site) : this.parseRun(i))
      }
      if (isParseFailure(ev)) {
        this.unparsed++
        continue
      }
      this.e = ev
      this.v4 = -1
      this.maybe = true
      this.time = ev.time
      return true
    }
    return false
  }

  skip(bound: number, before: number, watched: Watched): number {
    const first = this.i + 1
    // (a line of a parsed run is no QUIET one; `auto` must read lines as CLF, as in next)
    if (first < this.runTo || !this.clf) return 0
    const recs = this.recs
    const f64 = this.f64
    const clients = this.clients
    let latest = Number.NEGATIVE_INFINITY
    let i = first
    for (; i < this.lines; i++) {
      const r = i * REC_WORDS
      if (recs[r + REC_KIND] !== REC_QUIET) break
      const t = f64[(r >> 1) + REC_TIME_F64] as number
      if (t > bound || t >= before) break
      if (recs[r + REC_SHAPE] === 4) {
        if (watched.ipv4((recs[r + REC_V4] as number) >>> 0)) break
      } else {
        const ip = clients?.[i] ?? null
        if (ip === null || watched.ip(ip)) break // (null: not an IP, the parser says what the line is)
      }
      if (t > latest) latest = t
    }
    this.i = i - 1
    this.skippedTime = latest
    return i - first
  }

  /**
   * Line i and the lines after it up to the next QUIET one (at most RUN_MAX) through the parser in one batch, their
   * bytes handed over as they lie in the chunk (an attack is runs of such lines). Returns line i's result.
   */
  private parseRun(i: number): ParseResult {
    const recs = this.recs
    let j = i + 1
    while (j < this.lines && j - i < RUN_MAX && recs[j * REC_WORDS + REC_KIND] !== REC_QUIET) j++
    const from = recs[i * REC_WORDS + REC_START] as number
    const last = (j - 1) * REC_WORDS
    const to = (recs[last + REC_START] as number) + (recs[last + REC_LEN] as number) + 1 // (its newline)
    const lines: string[] = new Array(j - i)
    const starts: number[] = new Array(j - i)
    const max = this.opts.maxLineBytes
    for (let k = i; k < j; k++) {
      const at = recs[k * REC_WORDS + REC_START] as number
      lines[k - i] = lineText(this.chunk, at, at + (recs[k * REC_WORDS + REC_LEN] as number), max)
      // (the bytes of a plain line are its characters: the parser may read them where they lie)
      starts[k - i] = recs[k * REC_WORDS + REC_KIND] === REC_JS ? at - from : -1
    }
    const batch: LineBatch = {
      path: '',
      site: this.opts.site,
      fingerprint: null,
      lines,
      startOffset: 0,
      endOffset: to - from,
      bytes: to - from,
      truncated: 0,
      raw: { bytes: this.chunk.subarray(from, to), starts },
    }
    this.run = parseLines(this.opts.parser, batch, this.opts.site)
    this.runLines = lines
    this.runFrom = i
    this.runTo = j
    return this.run[0] as ParseResult
  }

  line(): string {
    if (this.i < this.runTo && this.i >= this.runFrom) return this.runLines[this.i - this.runFrom] as string
    if (this.text === null) {
      const r = this.i * REC_WORDS
      const from = this.recs[r + REC_START] as number
      this.text = lineText(this.chunk, from, from + (this.recs[r + REC_LEN] as number), this.opts.maxLineBytes)
    }
    return this.text
  }

  event(): LogEvent {
    if (this.e === null) {
      const ev = this.parsed(this.opts.parser.parse(this.line(), this.opts.site))
      if (isParseFailure(ev)) throw new Error(`scan: the parser refused a line the WebAssembly pass read (${ev.error})`)
      this.e = ev
    }
    return this.e
  }

  ip(): string {
    if (this.e !== null) return this.e.ip
    return this.ipText ?? ipv4FromBits(this.recs[this.i * REC_WORDS + REC_V4] as number)
  }

  site(): string {
    if (this.e !== null) return this.e.site
    const vhostTo = this.recs[this.i * REC_WORDS + REC_VHOST_TO] as number
    if (vhostTo < 0) return this.opts.site
    const s = siteAt(this.line(), 0, vhostTo)
    return s === '' ? this.opts.site : s
  }
}

/** The batches of a plain file read through the WebAssembly pass. */
export async function* clfBatches(path: string, opts: ClfBatchesOptions): AsyncGenerator<ScanBatch> {
  const tok = clfTokenizer()
  const spec = tok.installPrefilter(opts.prefilter)
  let records: Int32Array = new Int32Array(4096 * REC_WORDS)
  /** (a batch is used up before the next is made: they share the arrays) */
  const clients: (string | null)[] = []
  const batch = (chunk: Buffer, bytes = chunk.length): ClfBatch => {
    records = tok.scanChunk(chunk, spec, opts.xff, opts.maxLineBytes, records)
    const n = tok.scanned
    return new ClfBatch(chunk, records, n, opts, bytes, clientsOf(chunk, records, n, clients))
  }

  const { fd, st } = await openForReading(path)
  try {
    // each read has room in front for the partial line carried over from the read before
    const keep = opts.maxLineBytes + 4
    /** the partial line after the last read (at most `keep` bytes: a longer line is cut there, its rest skipped) */
    let carry = Buffer.alloc(0)
    let skipping = false
    const reads = new ReadAhead(fd, path, { size: opts.chunkBytes, positioned: st.isFile(), front: keep })
    try {
      for (let n = await reads.next(); n > 0; n = await reads.next()) {
        const buf = reads.buf
        const end = keep + n
        let start = keep - carry.length
        if (skipping) {
          const nl = buf.indexOf(NL, keep)
          if (nl === -1 || nl >= end) continue
          start = nl - carry.length
          skipping = false
        }
        carry.copy(buf, start)
        const last = buf.lastIndexOf(NL, end - 1)
        if (last < start) {
          // no line ends in this read yet
          carry = Buffer.from(buf.subarray(start, Math.min(end, start + keep)))
          skipping = end - start > keep
          continue
        }
        const rest = end - (last + 1)
        carry = Buffer.from(buf.subarray(last + 1, last + 1 + Math.min(rest, keep)))
        skipping = rest > keep
        yield batch(buf.subarray(start, last + 1))
      }
    } finally {
      await reads.close()
    }
    if (carry.length > 0) {
      // the last line, without its newline: the pass needs one after it, the line's text stops before
      const last = Buffer.alloc(carry.length + 1, NL)
      carry.copy(last, 0)
      yield batch(last, carry.length)
    }
  } finally {
    closeQuietly(fd)
  }
}
