import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import type { Fingerprint } from '../../core/types.js'
import { HEAD_BYTES } from './fd.js'

/**
 * The whole lines that end at or before `end` within the last `maxBytes` bytes of the file at `path`, if that file
 * is still the one the fingerprint names; null otherwise. Used after a restart to refill detection windows with what
 * was read just before the stop (their state lived in memory), without alerting on it again.
 */
export function readLinesBefore(
  path: string,
  fingerprint: Fingerprint,
  end: number,
  maxBytes: number,
): string[] | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return null
  }
  try {
    const st = fstatSync(fd)
    if (st.dev !== fingerprint.dev || st.ino !== fingerprint.ino || st.size < end) return null
    const head = Buffer.alloc(Math.min(fingerprint.headLen, HEAD_BYTES))
    readSync(fd, head, 0, head.length, 0)
    if (createHash('sha1').update(head).digest('hex') !== fingerprint.headHash) return null
    const start = Math.max(0, end - maxBytes)
    const buf = Buffer.alloc(end - start)
    let got = 0
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got)
      if (n === 0) break
      got += n
    }
    let text = buf.subarray(0, got).toString('utf8')
    if (start > 0) text = text.slice(text.indexOf('\n') + 1) // the first line is cut: drop it
    const lines = text.split('\n')
    lines.pop() // '' after the last newline
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}
