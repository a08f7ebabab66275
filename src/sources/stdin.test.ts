import { spawn } from 'node:child_process'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { LineBatch } from '../core/types.js'
import { createStdinSource } from './stdin.js'

describe('stdin source', () => {
  it('reads a real pipe (a child process writing lines), last line without newline included', async () => {
    const child = spawn(process.execPath, [
      '-e',
      "for (let i = 0; i < 5000; i++) process.stdout.write('line ' + i + '\\n'); process.stdout.write('tail')",
    ])
    const batches: LineBatch[] = []
    for await (const b of createStdinSource({ maxLineBytes: 100, input: child.stdout }).batches(
      new AbortController().signal,
    )) {
      batches.push(b)
    }
    const lines = batches.flatMap((b) => b.lines)
    expect(lines).toEqual([...Array.from({ length: 5000 }, (_, i) => `line ${i}`), 'tail'])
    expect(batches.every((b) => b.path === 'stdin' && b.fingerprint === null && b.site === '')).toBe(true)
  })

  it('yields lines as they arrive, and ends quietly on abort', async () => {
    const input = new PassThrough()
    const abort = new AbortController()
    const got: string[] = []
    const done = (async () => {
      for await (const b of createStdinSource({ maxLineBytes: 10, input }).batches(abort.signal)) got.push(...b.lines)
    })()
    input.write('first\nsecond is long\nthi')
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toEqual(['first', 'second is '])
    abort.abort()
    await done
    expect(got).toEqual(['first', 'second is '])
  })
})
