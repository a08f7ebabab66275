import { describe, expect, it } from 'vitest'
import { LineSplitter, utf8Boundary } from './line-splitter.js'

/** Feeds `input` in chunks of `size` bytes; returns every line, the final offset and the truncated count. */
function split(input: Buffer, size: number, max = 64 * 1024, flush = true) {
  const s = new LineSplitter(max)
  const lines: string[] = []
  let truncated = 0
  for (let i = 0; i < input.length; i += size) {
    lines.push(...s.push(input.subarray(i, i + size)))
    truncated += s.lastTruncated
  }
  if (flush) {
    const last = s.flush()
    truncated += s.lastTruncated
    if (last !== null) lines.push(last)
  }
  return { lines, offset: s.offset, truncated, pending: s.pendingBytes }
}

describe('LineSplitter', () => {
  const text = 'alpha\nbeta\r\n\ngamma delta\nlast'
  it.each([1, 2, 3, 7, 64, 4096])('splits the same way whatever the chunk size (%i)', (size) => {
    const r = split(Buffer.from(text), size)
    expect(r.lines).toEqual(['alpha', 'beta', '', 'gamma delta', 'last'])
    expect(r.offset).toBe(Buffer.byteLength(text))
  })

  it('keeps a partial last line pending until its newline (live)', () => {
    const s = new LineSplitter(100)
    expect(s.push(Buffer.from('one\ntw'))).toEqual(['one'])
    expect(s.offset).toBe(4)
    expect(s.pendingBytes).toBe(2)
    expect(s.push(Buffer.from('o\n'))).toEqual(['two'])
    expect(s.offset).toBe(8)
  })

  it('cuts long lines at maxLineBytes, counts them, and keeps the next line intact', () => {
    const long = 'x'.repeat(250)
    for (const size of [1, 10, 100, 1000]) {
      const r = split(Buffer.from(`short\n${long}\nafter\n${long}`), size, 100)
      expect(r.lines).toEqual(['short', 'x'.repeat(100), 'after', 'x'.repeat(100)])
      expect(r.truncated).toBe(2)
    }
  })

  it('never cuts a UTF-8 character in half', () => {
    const line = 'é'.repeat(60) // 120 bytes
    const r = split(Buffer.from(`${line}\n`), 4096, 101)
    expect(r.lines).toEqual(['é'.repeat(50)])
    expect(r.truncated).toBe(1)
  })

  it('turns invalid UTF-8 and NUL bytes into plain lines (U+FFFD), never throws', () => {
    const bytes = Buffer.from([
      0x61, 0xff, 0xfe, 0x62, 0x0a, 0x00, 0x00, 0x0a, 0xe2, 0x82, 0x0a, 0x16, 0x03, 0x01, 0x0a,
    ])
    for (const size of [1, 3, 100]) {
      const r = split(bytes, size)
      expect(r.lines).toEqual(['a\uFFFD\uFFFDb', '\0\0', '\uFFFD', '\u0016\u0003\u0001'])
    }
  })

  it('utf8Boundary backs off to the start of an incomplete character', () => {
    const b = Buffer.from('a€') // 61 e2 82 ac
    expect(utf8Boundary(b, 0, 4)).toBe(4)
    expect(utf8Boundary(b, 0, 3)).toBe(1)
    expect(utf8Boundary(b, 0, 2)).toBe(1)
    expect(utf8Boundary(b, 0, 1)).toBe(1)
  })
})
