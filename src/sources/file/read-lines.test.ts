import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SourceError } from '../../core/errors.js'
import type { LineBatch } from '../../core/types.js'
import { readLines } from './read-lines.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-read-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function collect(path: string, opts = { maxLineBytes: 64 * 1024 }): Promise<LineBatch[]> {
  const out: LineBatch[] = []
  for await (const b of readLines(path, opts)) out.push(b)
  return out
}

const numbered = (n: number): string[] => Array.from({ length: n }, (_, i) => `line ${i} ${'z'.repeat(i % 50)}`)

describe('readLines', () => {
  it('reads every line of a plain file in big batches, with a final line that has no newline', async () => {
    const lines = numbered(20000)
    const file = join(dir, 'a.log')
    writeFileSync(file, lines.join('\n')) // no trailing newline
    const batches = await collect(file, { maxLineBytes: 1000 })
    expect(batches.flatMap((b) => b.lines)).toEqual(lines)
    expect(batches.length).toBeLessThan(5)
    expect(batches[0]?.fingerprint?.headLen).toBe(1024)
    // offsets chain and cover the whole file
    let at = 0
    for (const b of batches) {
      expect(b.startOffset).toBe(at)
      expect(b.bytes).toBe(b.endOffset - b.startOffset)
      at = b.endOffset
    }
    expect(at).toBe(Buffer.byteLength(lines.join('\n')))
  })

  it('reads across chunk boundaries exactly (small chunks)', async () => {
    const lines = numbered(3000)
    const file = join(dir, 'b.log')
    writeFileSync(file, `${lines.join('\r\n')}\r\n`)
    const out: string[] = []
    for await (const b of readLines(file, { maxLineBytes: 1000, chunkBytes: 333 })) out.push(...b.lines)
    expect(out).toEqual(lines)
  })

  it('gunzips .gz files (fingerprint null)', async () => {
    const lines = numbered(5000)
    const file = join(dir, 'access.log.2.gz')
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n`))
    const batches = await collect(file)
    expect(batches.flatMap((b) => b.lines)).toEqual(lines)
    expect(batches.every((b) => b.fingerprint === null)).toBe(true)
  })

  it('cuts huge lines and counts them', async () => {
    const file = join(dir, 'huge.log')
    writeFileSync(file, `a\n${'x'.repeat(3 * 1024 * 1024)}\nb\n`)
    const batches = await collect(file, { maxLineBytes: 64 * 1024 })
    const lines = batches.flatMap((b) => b.lines)
    expect(lines.map((l) => l.length)).toEqual([1, 64 * 1024, 1])
    expect(batches.reduce((n, b) => n + b.truncated, 0)).toBe(1)
  })

  it('reads binary garbage as lines without throwing', async () => {
    const file = join(dir, 'bin.log')
    writeFileSync(file, Buffer.from([0x00, 0xff, 0x0a, 0xc3, 0x28, 0x0a, 0x16, 0x03]))
    const lines = (await collect(file)).flatMap((b) => b.lines)
    expect(lines).toEqual(['\0\uFFFD', '\uFFFD(', '\u0016\u0003'])
  })

  it('fails with a SourceError naming the file when it cannot be read', async () => {
    const missing = join(dir, 'missing.log')
    await expect(collect(missing)).rejects.toThrow(SourceError)
    await expect(collect(missing)).rejects.toThrow(/missing\.log: no such file/)
    writeFileSync(join(dir, 'bad.gz'), 'not gzip at all\n')
    await expect(collect(join(dir, 'bad.gz'))).rejects.toThrow(/bad\.gz: not a valid gzip file/)
    await expect(collect(dir)).rejects.toThrow(/directory/)
  })
})
