import { describe, expect, it } from 'vitest'
import { createProgress, formatProgress } from './progress.js'

const MIB = 1024 * 1024

describe('scan progress', () => {
  it('draws nothing when the stream is not a TTY', () => {
    const written: string[] = []
    const p = createProgress({ isTTY: false, write: (s) => written.push(s) > 0 })
    p.update({ bytes: 1, totalBytes: 10, lines: 1 })
    p.done()
    expect(written).toEqual([])
  })

  it('draws bytes, lines/s and ETA on a TTY, throttled, and clears itself', () => {
    const written: string[] = []
    let t = 0
    const p = createProgress({ isTTY: true, columns: 100, write: (s) => written.push(s) > 0 }, { now: () => t })
    t = 2000
    p.update({ bytes: 50 * MIB, totalBytes: 100 * MIB, lines: 2_000_000 })
    t = 2050
    p.update({ bytes: 51 * MIB, totalBytes: 100 * MIB, lines: 2_100_000 }) // within 100 ms: skipped
    p.done()
    expect(written).toHaveLength(2)
    expect(written[0]?.endsWith('\x1b[K')).toBe(true)
    expect(written[0]?.slice(0, -3)).toMatch(/^\r\[#+\.+\]\s+50%\s+50\.0\/100\.0 MiB\s+1\.00M lines\/s\s+ETA 0:02$/)
    expect(written[1]).toBe('\r\x1b[K')
  })

  it('shows no bar or ETA without a known total (stdin)', () => {
    expect(formatProgress({ bytes: 3 * MIB, totalBytes: 0, lines: 30_000 }, 1000)).toBe('3.0 MiB  30k lines/s')
  })
})
