/**
 * Big chunks are decoded in newline-aligned pieces (line-splitter.ts, PIECE_BYTES): the lines must be exactly those
 * of decoding the whole input at once, whatever mix of ASCII, UTF-8, invalid bytes, CRs and long lines a piece holds.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom as rng } from '../core/prng.js'
import { LineSplitter } from './line-splitter.js'

/** A seeded log-ish input: mostly short ASCII lines, some long ones, some UTF-8 and invalid bytes, CRLF endings. */
function input(seed: number, lines: number): Buffer {
  const next = rng(seed)
  const parts: Buffer[] = []
  for (let i = 0; i < lines; i++) {
    const r = next()
    const len = r < 0.005 ? 50_000 + Math.floor(next() * 30_000) : r < 0.02 ? 20_000 : Math.floor(next() * 300)
    const line = Buffer.alloc(len, 0x61)
    for (let k = 0; k < len; k += 1 + Math.floor(next() * 60)) {
      const c = next()
      line[k] = c < 0.03 ? 0xc3 : c < 0.05 ? 0xa9 : c < 0.06 ? 0xff : c < 0.08 ? 0x0d : 0x20 + Math.floor(next() * 90)
    }
    parts.push(line, Buffer.from(next() < 0.1 ? '\r\n' : '\n'))
  }
  return Buffer.concat(parts)
}

/** The reference: every line decoded on its own, cut at `max` bytes on a character boundary. */
function reference(buf: Buffer, max: number): { lines: string[]; truncated: number } {
  const lines: string[] = []
  let truncated = 0
  let p = 0
  while (p < buf.length) {
    let nl = buf.indexOf(10, p)
    if (nl < 0) nl = buf.length
    let end = nl > p && buf[nl - 1] === 13 ? nl - 1 : nl
    if (nl - p > max) {
      truncated++
      end = p + max
      while (end > p && ((buf[end] as number) & 0xc0) === 0x80) end--
    }
    lines.push(buf.toString('utf8', p, end))
    p = nl + 1
  }
  return { lines, truncated }
}

describe('LineSplitter over big chunks', () => {
  it.each([
    [1, 512 * 1024, 64 * 1024],
    [2, 512 * 1024, 16 * 1024],
    [3, 100_003, 64 * 1024],
  ])('seed %i, chunks of %i bytes, max_line_bytes %i: the lines of decoding at once', (seed, size, max) => {
    const buf = input(seed, 6000)
    const s = new LineSplitter(max)
    const lines: string[] = []
    let truncated = 0
    for (let i = 0; i < buf.length; i += size) {
      for (const l of s.push(buf.subarray(i, i + size))) lines.push(l)
      truncated += s.lastTruncated
    }
    expect(s.flush()).toBeNull()
    expect(s.offset).toBe(buf.length)
    const want = reference(buf, max)
    expect(lines.length).toBe(want.lines.length)
    expect(lines).toEqual(want.lines)
    expect(truncated).toBe(want.truncated)
  })
})
