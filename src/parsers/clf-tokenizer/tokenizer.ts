/**
 * The WebAssembly CLF tokenizer (tokenizer.as.ts), one instance per process: parsing is synchronous, so every
 * parser can share it (a result is read before the next line is tokenized).
 *
 * A line reaches its memory in one of two ways: a whole batch's bytes are copied once (`loadBatch`, then
 * `tokenizeAt` per line), or a single line string is written (`tokenizeLine`). Either way a position the tokenizer
 * reports is a character index into the line's string: batch lines are only tokenized from bytes when they are
 * ASCII, and a line string with other characters is written one byte per character (anything beyond ASCII as 0x80,
 * which no delimiter is).
 */
import type { RawLines } from '../../core/types.js'
import { EXACT, REC_WORDS, XFF } from './slots.js'
import { TOKENIZER_WASM } from './tokenizer.wasm.js'

// (the WebAssembly global, as far as it is used here: @types/node does not declare it without the DOM library)
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: object }
}
interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number }
  INPUT: { value: number }
  tokenize(o: number, len: number, flags: number): number
  scan(from: number, to: number, out: number, flags: number, spec: number, maxLine: number): number
}

/** room after a line: the tokenizer reads past it (the SIMD search up to 15 bytes, the stamp comparison up to 26) */
const SLACK = 64
const PAGE = 65536

export class ClfTokenizer {
  private readonly exports: Exports
  private buffer!: ArrayBuffer
  private u8!: Uint8Array
  private bytes!: Buffer
  /** the result record (slots.ts), as i32 and f64 */
  i32!: Int32Array
  f64!: Float64Array
  /** the batch whose bytes were copied in last (known by its RawLines: a source reuses its buffers) */
  private loaded: RawLines | null = null
  /** where batches are copied to (past the tokenizer's tables and prefilters), and single lines written (past the batch) */
  private input: number
  private scratch: number
  /** the prefilters installed (see installPrefilter), by their bytes */
  private readonly specs = new Map<string, number>()

  constructor() {
    const module = new WebAssembly.Module(Buffer.from(TOKENIZER_WASM, 'base64'))
    this.exports = new WebAssembly.Instance(module, {}).exports as Exports
    this.input = this.exports.INPUT.value
    this.scratch = this.input
    this.views()
    this.ensure(this.input)
  }

  private views(): void {
    this.buffer = this.exports.memory.buffer
    this.u8 = new Uint8Array(this.buffer)
    this.bytes = Buffer.from(this.buffer)
    this.i32 = new Int32Array(this.buffer, 0, 64)
    this.f64 = new Float64Array(this.buffer, 0, 64)
  }

  private ensure(end: number): void {
    const have = this.exports.memory.buffer.byteLength
    if (end + SLACK > have) this.exports.memory.grow(Math.ceil((end + SLACK - have) / PAGE))
    if (this.exports.memory.buffer !== this.buffer) this.views()
  }

  /** Copies a batch's bytes in (once per batch); its lines are then tokenized with `tokenizeAt`. */
  loadBatch(raw: RawLines): void {
    if (raw === this.loaded) return
    const bytes = raw.bytes
    this.ensure(this.input + bytes.length)
    this.u8.set(bytes, this.input)
    this.loaded = raw
    this.scratch = this.input + bytes.length + SLACK
  }

  /** Line bytes at `start` of the loaded batch, `len` of them. Returns 0 or a failure code. */
  tokenizeAt(start: number, len: number, xff: boolean): number {
    return this.exports.tokenize(this.input + start, len, xff ? XFF | EXACT : EXACT)
  }

  /**
   * Puts a prefilter's tables (`Prefilter.spec()`, prefilter.ts) where scan.as.ts reads them, once per distinct spec;
   * returns their address for `scanChunk`.
   */
  installPrefilter(spec: Uint8Array): number {
    const key = Buffer.from(spec.buffer, spec.byteOffset, spec.byteLength).toString('latin1')
    let at = this.specs.get(key)
    if (at !== undefined) return at
    at = this.input
    this.ensure(at + spec.length)
    this.u8.set(spec, at)
    this.input = (at + spec.length + 15) & ~15
    this.scratch = this.input
    this.loaded = null
    this.specs.set(key, at)
    return at
  }

  /**
   * `scan`'s pass (scan.as.ts) over `chunk`, whole lines each ended by a newline: a record of REC_WORDS i32 words per
   * line, copied into `records` (the next pass reuses this memory), or into a new array when they do not fit.
   * Returns the array that holds them; `scanned` says how many lines.
   */
  scanChunk(chunk: Uint8Array, spec: number, xff: boolean, maxLine: number, records: Int32Array): Int32Array {
    const at = this.input
    const out = (at + chunk.length + SLACK + 15) & ~15
    // room for a record per byte (a chunk of empty lines): pages never written are never resident
    const outBytes = chunk.length * REC_WORDS * 4
    this.ensure(out + outBytes)
    this.u8.set(chunk, at)
    this.loaded = null
    this.scratch = out + outBytes + SLACK
    const n = this.exports.scan(at, at + chunk.length, out, xff ? XFF : 0, spec, maxLine)
    this.scanned = n
    const words = n * REC_WORDS
    const into = records.length >= words ? records : new Int32Array(Math.max(words, records.length * 2))
    into.set(new Int32Array(this.buffer, out, words))
    return into
  }
  /** lines of the last scanChunk */
  scanned = 0

  /** Writes `line` to the scratch area and tokenizes it. Returns 0 or a failure code. */
  tokenizeLine(line: string, xff: boolean): number {
    const at = this.scratch
    const n = line.length
    this.ensure(at + 3 * n)
    // ASCII (nearly every line): the UTF-8 bytes are the characters; else one byte per character
    let flags = xff ? XFF | EXACT : EXACT
    if (this.bytes.write(line, at, 'utf8') !== n) {
      const u8 = this.u8
      for (let i = 0; i < n; i++) u8[at + i] = Math.min(line.charCodeAt(i), 128)
      flags &= ~EXACT
    }
    this.u8[at + n] = 10 // (the byte after a line must be one no check looks for: see tokenizer.as.ts)
    return this.exports.tokenize(at, n, flags)
  }
}

let shared: ClfTokenizer | null = null
export const clfTokenizer = (): ClfTokenizer => {
  shared ??= new ClfTokenizer()
  return shared
}
