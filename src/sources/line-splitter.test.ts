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

describe('LineSplitter: where the lines lie in their chunk (lastRaw)', () => {
  /** Every line of one push whose start is given: its bytes in the chunk are exactly its characters. */
  function checkRaw(s: LineSplitter, chunk: Buffer, lines: string[]): number[] {
    const raw = s.lastRaw
    if (raw === null) throw new Error('no lastRaw')
    expect(raw.bytes).toBe(chunk)
    expect(raw.starts).toHaveLength(lines.length)
    lines.forEach((line, i) => {
      const at = raw.starts[i] as number
      if (at >= 0) expect(Buffer.from(raw.bytes.subarray(at, at + line.length)).toString('latin1')).toBe(line)
    })
    return raw.starts
  }

  it('gives every ASCII line its offset, CRLF lines without the CR', () => {
    const s = new LineSplitter(1000)
    const chunk = Buffer.from('alpha\nbeta\r\n\ngamma\n')
    const lines = s.push(chunk)
    expect(checkRaw(s, chunk, lines)).toEqual([0, 6, 12, 13])
  })

  it('says -1 for a line begun in an earlier chunk and for lines that are not ASCII', () => {
    const s = new LineSplitter(1000)
    s.push(Buffer.from('par'))
    const chunk = Buffer.from('tial\nplain\n')
    expect(checkRaw(s, chunk, s.push(chunk))).toEqual([-1, 5])
    const utf8 = Buffer.from('caf\u00e9\nplain\n')
    expect(checkRaw(s, utf8, s.push(utf8))).toEqual([-1, -1]) // (the piece is decoded as UTF-8: no byte offsets)
  })

  it('says -1 for lines split byte by byte because one of them is over-long, and nothing after flush', () => {
    const s = new LineSplitter(10)
    const chunk = Buffer.from(`short\n${'x'.repeat(50)}\nend\ntail`)
    const lines = s.push(chunk)
    expect(lines).toEqual(['short', 'x'.repeat(10), 'end'])
    expect(checkRaw(s, chunk, lines)).toEqual([-1, -1, -1])
    expect(s.flush()).toBe('tail')
    expect(s.lastRaw).toBeNull()
  })

  it('holds for big chunks decoded in several pieces', () => {
    const s = new LineSplitter(64 * 1024)
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'y'.repeat(i % 97)}`).join('\n')
    const chunk = Buffer.from(`${text}\n`)
    const lines = s.push(chunk)
    expect(lines).toHaveLength(5000)
    expect(checkRaw(s, chunk, lines).every((n) => n >= 0)).toBe(true)
  })
})
