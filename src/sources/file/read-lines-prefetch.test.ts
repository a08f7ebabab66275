/**
 * readLines reads ahead (the next read runs while the consumer handles a batch): stopping early must wait for it,
 * close the file, and leave no unhandled rejection; the lines must be those of the file in order, also when the file
 * grows while it is read (what was read ahead past its end then is not used).
 */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readLines } from './read-lines.js'

const dir = mkdtempSync(join(tmpdir(), 'lookout-prefetch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const openFds = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0)

describe('readLines read-ahead', () => {
  const lines = Array.from({ length: 60_000 }, (_, i) => `${i} ${'x'.repeat(i % 70)}`)
  const file = join(dir, 'big.log')
  writeFileSync(file, `${lines.join('\n')}\n`)

  it('gives every line in order with small reads', async () => {
    const got: string[] = []
    let at = 0
    for await (const b of readLines(file, { maxLineBytes: 1000, chunkBytes: 4096 })) {
      expect(b.startOffset).toBe(at)
      at = b.endOffset
      for (const l of b.lines) got.push(l)
    }
    expect(got).toEqual(lines)
  })

  it('gives every line once when the file grows while it is read', async () => {
    const growing = join(dir, 'growing.log')
    writeFileSync(growing, `${lines.slice(0, 1000).join('\n')}\n`)
    const more = lines.slice(1000, 20_000)
    const got: string[] = []
    for await (const b of readLines(growing, { maxLineBytes: 1000, chunkBytes: 4096 })) {
      for (const l of b.lines) got.push(l)
      // appended between batches, in pieces that end mid-line and mid-chunk
      if (more.length > 0) appendFileSync(growing, `${more.splice(0, 37).join('\n')}\n`)
    }
    expect(got).toEqual(lines.slice(0, got.length))
    expect(got.length).toBeGreaterThan(1000)
  })

  it('stops early without a leak or an unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (err: unknown): void => {
      unhandled.push(err)
    }
    process.on('unhandledRejection', onUnhandled)
    const before = openFds()
    for (let round = 0; round < 20; round++) {
      for await (const b of readLines(file, { maxLineBytes: 1000, chunkBytes: 8192 })) {
        expect(b.lines.length).toBeGreaterThan(0)
        break
      }
    }
    await new Promise((r) => setTimeout(r, 50))
    process.off('unhandledRejection', onUnhandled)
    expect(unhandled).toEqual([])
    expect(openFds()).toBe(before)
  })

  it('stops at an abort between batches', async () => {
    const ac = new AbortController()
    let batches = 0
    for await (const _ of readLines(file, { maxLineBytes: 1000, chunkBytes: 8192, signal: ac.signal })) {
      batches++
      ac.abort()
    }
    expect(batches).toBe(1)
  })
})
