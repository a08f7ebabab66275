/**
 * Numeric file descriptors: promise wrappers (no FileHandle: its GC-close warnings and per-call overhead), and a
 * file's fingerprint read through one.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { promisify } from 'node:util'
import type { Fingerprint } from '../../core/types.js'

export const openFd = promisify(fs.open) as (path: string, flags: string) => Promise<number>
export const closeFd = promisify(fs.close)
export const fstatFd = promisify(fs.fstat) as (fd: number) => Promise<fs.Stats>
export const statPath = promisify(fs.stat) as (path: string) => Promise<fs.Stats>
const readAsync = promisify(fs.read)

/** Reads up to `length` bytes at `position` into `buf` from 0; returns how many were read. */
export async function readAt(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  const { bytesRead } = await readAsync(fd, buf, 0, length, position)
  return bytesRead
}

export const closeQuietly = (fd: number): void => {
  fs.close(fd, () => undefined)
}

/** The error code of a Node system error ('ENOENT', 'EACCES', …), or 'EUNKNOWN'. */
export const errCode = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return typeof code === 'string' ? code : 'EUNKNOWN'
}

/** The fingerprint covers up to this many leading bytes. */
export const HEAD_BYTES = 1024

const sha1 = (buf: Buffer): string => createHash('sha1').update(buf).digest('hex')

/** dev+ino plus the sha1 of the first min(size, 1 KiB) bytes. */
export async function fingerprintFd(fd: number, st: fs.Stats): Promise<Fingerprint> {
  const head = Buffer.allocUnsafe(HEAD_BYTES)
  const n = await readAt(fd, head, Math.min(HEAD_BYTES, st.size), 0)
  return { dev: st.dev, ino: st.ino, headHash: sha1(head.subarray(0, n)), headLen: n }
}

/** Whether the open file is the one `fp` names: same dev+ino, and its first `fp.headLen` bytes hash the same. */
export async function matchesFingerprint(fd: number, st: fs.Stats, fp: Fingerprint): Promise<boolean> {
  if (st.dev !== fp.dev || st.ino !== fp.ino) return false
  return headMatches(fd, fp)
}

/** Whether the first `fp.headLen` bytes of the open file still hash to `fp.headHash` (detects inode reuse, rewrites). */
export async function headMatches(fd: number, fp: Fingerprint): Promise<boolean> {
  if (fp.headLen === 0) return true
  const head = Buffer.allocUnsafe(fp.headLen)
  const n = await readAt(fd, head, fp.headLen, 0)
  return n === fp.headLen && sha1(head) === fp.headHash
}

export const inoKey = (x: { dev: number; ino: number }): string => `${x.dev}:${x.ino}`
