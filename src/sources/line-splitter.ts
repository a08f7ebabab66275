/**
 * Bytes in, lines out: the one place that splits, decodes and cuts lines, shared by every source.
 *
 * Fast path: the bytes up to the last newline of a chunk are decoded in ONE call and split on '\n' (a newline byte
 * never hides inside an invalid UTF-8 sequence, so string and byte splits agree). A per-line byte scan only runs when a
 * line could be longer than `maxLineBytes` (its UTF-16 length is over a third of the limit).
 */

import { isAscii } from 'node:buffer'
import type { RawLines } from '../core/types.js'

const NL = 10
const CR = 13
/**
 * Bytes decoded in one go: under V8's 128 KiB limit for an ordinary (young-generation) heap object, and big enough
 * that the per-call cost vanishes.
 */
const PIECE_BYTES = 32 * 1024

export class LineSplitter {
  /** file offset just past the last complete line handed out (what a checkpoint stores) */
  offset: number
  /** file offset of the next byte to push */
  readPos: number
  /** how many lines of the last `push`/`flush` were cut at `maxLineBytes` */
  lastTruncated = 0
  /** where the lines of the last `push` lie in its chunk (see RawLines); null after `flush` */
  lastRaw: RawLines | null = null
  /** byte offsets in the chunk of the lines being split (-1: not an ASCII line of the chunk) */
  private starts: number[] = []
  /** bytes of the current partial line (at most maxLineBytes), null when none */
  private carry: Buffer | null = null
  /** the current partial line is already longer than the limit: its head is kept, the rest is discarded */
  private skipping = false
  private readonly fastLimit: number

  constructor(
    readonly maxLineBytes: number,
    start = 0,
  ) {
    this.offset = start
    this.readPos = start
    this.fastLimit = Math.floor(maxLineBytes / 3)
  }

  /** bytes read but not yet part of a complete line */
  get pendingBytes(): number {
    return this.readPos - this.offset
  }

  /** Forgets any partial line and continues at `at` (truncation, or a fresh file). */
  reset(at: number): void {
    this.offset = at
    this.readPos = at
    this.carry = null
    this.skipping = false
  }

  /** Splits `chunk`, the bytes found at `readPos`. Returns the lines completed by it (the chunk may be reused after). */
  push(chunk: Buffer): string[] {
    const n = chunk.length
    const base = this.readPos
    this.readPos += n
    this.lastTruncated = 0
    this.lastRaw = null
    const starts: number[] = []
    this.starts = starts
    let pos = 0
    let head: string | null = null
    if (this.carry !== null) {
      const nl = chunk.indexOf(NL)
      if (nl === -1) {
        this.appendCarry(chunk, 0, n)
        return []
      }
      this.appendCarry(chunk, 0, nl)
      head = this.takeCarry()
      pos = nl + 1
      this.offset = base + pos
    }
    let lines: string[] = []
    const last = n > pos ? chunk.lastIndexOf(NL) : -1
    if (last >= pos) {
      lines = this.splitRegion(chunk, pos, last)
      pos = last + 1
      this.offset = base + pos
    }
    if (head !== null) {
      lines.unshift(head)
      starts.unshift(-1) // (its bytes began in an earlier chunk)
    }
    if (pos < n) {
      this.carry = Buffer.alloc(0)
      this.appendCarry(chunk, pos, n)
    }
    if (lines.length > 0) this.lastRaw = { bytes: chunk, starts }
    return lines
  }

  /** End of input (offline, or a rotated file that is done): the partial line, if any, becomes a line. */
  flush(): string | null {
    this.lastTruncated = 0
    this.lastRaw = null
    if (this.carry === null) return null
    const line = this.takeCarry()
    this.offset = this.readPos
    return line
  }

  private appendCarry(chunk: Buffer, s: number, e: number): void {
    if (this.skipping || this.carry === null) return
    const room = this.maxLineBytes - this.carry.length
    if (e - s > room) {
      this.carry = Buffer.concat([this.carry, chunk.subarray(s, s + room)])
      this.skipping = true
    } else if (e > s) {
      this.carry = Buffer.concat([this.carry, chunk.subarray(s, e)])
    }
  }

  private takeCarry(): string {
    const buf = this.carry ?? Buffer.alloc(0)
    let line: string
    if (this.skipping) {
      line = buf.toString('utf8', 0, utf8Boundary(buf, 0, buf.length))
      this.lastTruncated++
    } else {
      const end = buf.length > 0 && buf[buf.length - 1] === CR ? buf.length - 1 : buf.length
      line = buf.toString('utf8', 0, end)
    }
    this.carry = null
    this.skipping = false
    return line
  }

  /**
   * Lines in chunk[s, e) where chunk[e] is the last newline. The region is decoded in pieces of about PIECE_BYTES
   * that end at a newline (a newline byte never hides inside a UTF-8 sequence, so the lines are the same): every
   * line is a V8 slice of its piece, and a piece that small is an ordinary young-generation string, freed by the
   * next scavenge once its lines are done, where a whole 512 KiB chunk would go to the large-object space and wait
   * for a full GC (and a line or field kept by a consumer keeps only its piece alive).
   */
  private splitRegion(chunk: Buffer, s: number, e: number): string[] {
    if (e - s <= PIECE_BYTES) return this.splitPiece(chunk, s, e, null)
    const out: string[] = []
    let a = s
    for (;;) {
      let b = e
      if (e - a > PIECE_BYTES) {
        b = chunk.lastIndexOf(NL, a + PIECE_BYTES)
        if (b < a) b = chunk.indexOf(NL, a + PIECE_BYTES) // a line longer than a piece
      }
      this.splitPiece(chunk, a, b, out)
      if (b >= e) return out
      a = b + 1
    }
  }

  /** Lines in chunk[s, e) where chunk[e] is a newline, appended to `out` (or returned as a new array). */
  private splitPiece(chunk: Buffer, s: number, e: number, out: string[] | null): string[] {
    // pure ASCII (most logs) decodes as latin1 at twice the speed of the UTF-8 decoder, and bytes == chars
    const ascii = isAscii(chunk.subarray(s, e))
    const text = chunk.toString(ascii ? 'latin1' : 'utf8', s, e)
    const lim = ascii ? this.maxLineBytes : this.fastLimit
    const lines = out ?? []
    const starts = this.starts
    const first = lines.length
    let a = 0
    for (;;) {
      let b = text.indexOf('\n', a)
      if (b < 0) b = text.length
      if (b - a > lim) {
        lines.length = first
        starts.length = first
        const slow = this.splitSlow(chunk, s, e)
        if (out === null) return slow
        for (let i = 0; i < slow.length; i++) lines.push(slow[i] as string)
        return lines
      }
      // (indexed appends: optimized code inlines them, where push calls the generic builtin every line)
      lines[lines.length] = text.slice(a, b > a && text.charCodeAt(b - 1) === CR ? b - 1 : b)
      starts[starts.length] = ascii ? s + a : -1
      if (b === text.length) return lines
      a = b + 1
    }
  }
  /** Byte-exact splitting for chunks that may hold over-long lines. */
  private splitSlow(chunk: Buffer, s: number, e: number): string[] {
    const out: string[] = []
    const starts = this.starts
    const max = this.maxLineBytes
    let p = s
    while (p <= e) {
      starts.push(-1)
      let nl = chunk.indexOf(NL, p)
      if (nl === -1 || nl > e) nl = e + 1 // cannot happen: chunk[e] is a newline
      out.push(lineText(chunk, p, nl, max))
      if (nl - p > max) this.lastTruncated++
      p = nl + 1
    }
    return out
  }
}

/**
 * The text of the line at bytes[from, nl) (nl: its newline, or where it ends): a '\r' before the newline dropped, a
 * line over `max` bytes cut at `max` on a UTF-8 boundary (the caller counts the cut).
 */
export function lineText(bytes: Buffer, from: number, nl: number, max: number): string {
  if (nl - from > max) return bytes.toString('utf8', from, utf8Boundary(bytes, from, from + max))
  const end = nl > from && bytes[nl - 1] === CR ? nl - 1 : nl
  return bytes.toString('utf8', from, end)
}

/** The largest end <= `end` that does not split a UTF-8 character (a cut line must not end in a half character). */
export function utf8Boundary(buf: Buffer, start: number, end: number): number {
  let i = end - 1
  // walk back over at most 3 continuation bytes to the lead byte of the last character
  while (i > start && end - i < 4 && ((buf[i] as number) & 0xc0) === 0x80) i--
  const lead = buf[i] as number
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return i + need > end ? i : end
}
