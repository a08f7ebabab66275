import { mkdtempSync, renameSync, rmSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LineBatch } from '../../core/types.js'
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js'
import type { Store } from '../../store/store.js'
import type { FileSourceSpec } from './tail.js'
import { numbered, only, sleep, startSource, waitFor, writeLines } from './testdata/harness.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-restart-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** What the pipeline does per batch: handle it, then save its checkpoint. */
function checkpoint(store: Store, b: LineBatch): void {
  const prev = store.cursors.get(b.path)
  store.cursors.put({
    path: b.path,
    fingerprint: b.fingerprint,
    offset: b.endOffset,
    lines: (prev?.lines ?? 0) + b.lines.length,
    bytes: (prev?.bytes ?? 0) + b.bytes,
    unparsed: 0,
    truncated: (prev?.truncated ?? 0) + b.truncated,
    lastLineAt: Date.now(),
  })
}

/**
 * One lookout run against the SQLite store in `dir`: consumes (and checkpoints) `maxBatches` batches, or until
 * `expectLines` lines came and nothing more arrives, then stops and closes the store like a shutdown.
 */
async function run(spec: FileSourceSpec, o: { maxBatches?: number; expectLines?: number }) {
  const store = openSqliteStore(join(dir, 'state', 'lookout.db'))
  let n = 0
  const r = startSource({
    specs: [spec],
    cursors: store.cursors,
    chunkBytes: 4096,
    onBatch: (b) => {
      checkpoint(store, b)
      n++
      return o.maxBatches === undefined || n < o.maxBatches
    },
  })
  if (o.maxBatches !== undefined) await waitFor(() => n >= (o.maxBatches ?? 0), `${o.maxBatches} batches`)
  if (o.expectLines !== undefined) {
    await waitFor(() => r.lines.length >= (o.expectLines ?? 0), `${o.expectLines} lines, have ${r.lines.length}`)
    await sleep(500)
  }
  await r.stop()
  const cursors = store.cursors.all()
  store.close()
  return { lines: r.lines, warnings: r.warnings, cursors }
}

describe('file source: restart from SQLite checkpoints', () => {
  it('stops mid-file, more is appended, the file is rotated while stopped: nothing lost or repeated', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'a', 0, 5000) // ~40 KB: many 4 KiB batches
    const spec: FileSourceSpec = { path: file, startAt: 'beginning' }
    const first = await run(spec, { maxBatches: 3 })
    expect(first.lines.length).toBeGreaterThan(100)
    expect(first.lines.length).toBeLessThan(5000)
    expect(first.lines).toEqual(numbered('a', 0, first.lines.length))
    // while lookout is down: the old file grows, gets rotated away, a new one starts
    writeLines(file, 'a', 5000, 5100)
    renameSync(file, `${file}.1`)
    writeLines(file, 'b', 0, 300)
    const second = await run(spec, { expectLines: 5100 - first.lines.length + 300 })
    const all = [...first.lines, ...second.lines]
    expect(only(all, 'a')).toEqual(numbered('a', 0, 5100))
    expect(only(all, 'b')).toEqual(numbered('b', 0, 300))
    expect(all).toHaveLength(5400)
    // the rotated file was finished first
    expect(second.lines.indexOf('a-5099')).toBeLessThan(second.lines.indexOf('b-0'))
    expect(second.cursors[0]?.lines).toBe(5400)
    // a third run has nothing left to read
    writeLines(file, 'b', 300, 302)
    const third = await run(spec, { expectLines: 2 })
    expect(third.lines).toEqual(numbered('b', 300, 302))
  })

  it('a checkpoint wins over startAt end: lines appended while stopped are read', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'a', 0, 10)
    const spec: FileSourceSpec = { path: file, startAt: 'end' }
    const first = await run(spec, { expectLines: 0 })
    expect(first.lines).toEqual([])
    // no batch yet, so no checkpoint: write one line while running so that one exists
    writeLines(file, 'a', 10, 11)
    const second = await run(spec, { expectLines: 0 }) // starts at the end again (no checkpoint yet)
    expect(second.lines).toEqual([])
    const store = openSqliteStore(join(dir, 'state', 'lookout.db'))
    let got = 0
    const r = startSource({
      specs: [spec],
      cursors: store.cursors,
      onBatch: (b) => {
        checkpoint(store, b)
        got += b.lines.length
        return undefined
      },
    })
    await sleep(300)
    writeLines(file, 'a', 11, 12)
    await waitFor(() => r.lines.length >= 1, 'a line')
    await r.stop()
    store.close()
    expect(r.lines).toEqual(['a-11'])
    writeLines(file, 'a', 12, 20)
    const third = await run(spec, { expectLines: 8 })
    expect(third.lines).toEqual(numbered('a', 12, 20))
    expect(got).toBe(1)
  })

  it('a file truncated while stopped is read again from the start, with a warning', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'a', 0, 100)
    const spec: FileSourceSpec = { path: file, startAt: 'beginning' }
    const first = await run(spec, { expectLines: 100 })
    expect(first.lines).toHaveLength(100)
    truncateSync(file, 0) // copytruncate while stopped; the file is shorter than the checkpoint afterwards
    writeLines(file, 'c', 0, 5)
    const second = await run(spec, { expectLines: 5 })
    expect(second.lines).toEqual(numbered('c', 0, 5))
    expect(second.warnings.map((w) => w.code)).toContain('TRUNCATED')
    expect(only(second.lines, 'c')).toEqual(numbered('c', 0, 5))
  })
})
