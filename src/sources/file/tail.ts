/**
 * The file source: tails every file a set of globs / `{site}` patterns match, across rotations and restarts.
 *
 * - Discovery: the patterns are expanded at start, again when a watched directory reports a new name, and on the slow
 *   poll. Files that appear after the start are read from their first byte; `startAt` only applies to the files
 *   present at the start that have no checkpoint.
 * - Wake-ups: one inotify watch per directory (it reports writes to the files inside too), plus a stat poll every
 *   `pollIntervalMs` as the fallback (NFS, missed events). Nothing polls fast; an idle file costs one stat per poll.
 * - Descriptors: at most `maxOpenFiles`; idle files are closed and reopened by path, and the reopened file must carry
 *   the same fingerprint (dev+ino, hash of the first bytes) or it is handled as a rotation / rewrite.
 * - Rotation: when the path names another file, the old one is read to its end and until it has been quiet for
 *   `rotateQuietMs` (a writer may still append to it just after the rename), then the new file is read from offset 0.
 *   copytruncate is seen as the size dropping below the offset (or the head changing). One physical file is read
 *   by one path at a time: a glob that also matches `access.log.1` continues where the other path stopped.
 * - Checkpoints: the consumer saves `batch.endOffset` with `batch.fingerprint`; the first open of a path resumes there
 *   when the file matches, else finds the rotated file by dev+ino in the same folder and finishes it first.
 */
import type { Stats } from 'node:fs'
import { readdirSync, realpathSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Logger } from '../../core/log.js'
import type { Fingerprint, LineBatch } from '../../core/types.js'
import type { CursorRepo } from '../../store/store.js'
import { LineSplitter } from '../line-splitter.js'
import { DirWatchers } from './dir-watchers.js'
import {
  closeQuietly,
  errCode,
  fingerprintFd,
  fstatFd,
  HEAD_BYTES,
  headMatches,
  inoKey,
  matchesFingerprint,
  openFd,
  readAt,
  statPath,
} from './fd.js'
import { type CompiledPattern, compilePattern, expandPattern, isLiteralPattern } from './glob.js'
import { CHUNK_BYTES } from './read-lines.js'

export interface FileSourceSpec {
  /** a glob, or a pattern with one `{site}` placeholder */
  path: string
  /** a fixed site name (overrides `{site}`) */
  site?: string
  startAt: 'end' | 'beginning'
}

export interface SourceWarning {
  path: string
  code: string
  message: string
}

export interface FileSourceOptions {
  specs: FileSourceSpec[]
  /** read at the first open of each path, to resume */
  cursors: CursorRepo
  maxLineBytes: number
  log: Logger
  /** fallback stat poll and glob rescan; default 5000 */
  pollIntervalMs?: number
  /** default 256 */
  maxOpenFiles?: number
  onWarning?: (w: SourceWarning) => void
  /** how long a rotated-away file must stay quiet before the new file is read; default 2000 */
  rotateQuietMs?: number
  /** close the descriptor of a file that has not grown for this long; default 60000 */
  idleCloseMs?: number
  /** bytes read per step; default 512 KiB */
  chunkBytes?: number
  /** after an idle spell, wait this long for more writes before reading (fewer, bigger batches); default 20 */
  coalesceMs?: number
}

export interface FileSource {
  /** Batches from all matched files until `signal` aborts. Iterate once. */
  batches(signal: AbortSignal): AsyncIterable<LineBatch>
  /** the paths matched so far */
  files(): Array<{ path: string; site: string }>
}

/** One physical file being read. */
interface OpenFile {
  fp: Fingerprint
  fd: number | null
  /** where the file was found (symlinks resolved): reopened from here */
  realPath: string
  splitter: LineSplitter
  lastGrowthAt: number
  lastSize: number
}

/** One logical path (a match of a spec): `cur` is the file at the path, `old` a rotated-away file still draining. */
interface Entry {
  path: string
  site: string
  spec: FileSourceSpec
  /** matched at the start: `startAt` applies */
  initial: boolean
  /** the checkpoint has been consulted */
  opened: boolean
  cur: OpenFile | null
  old: OpenFile | null
  /** the code of the problem warned about, until the path reads fine again */
  problem: string | null
  /** last stat of the path, for the poll */
  seen: string
  drainTimer: NodeJS.Timeout | null
}

interface Step {
  batch: LineBatch | null
  /** there is more to do right away */
  more: boolean
}

const NONE: Step = { batch: null, more: false }
const MORE: Step = { batch: null, more: true }
const MAX_RETIRED = 10_000
const COMPRESSED = /\.(gz|bz2|xz|zst|zip|lz4)$/

export function createFileSource(opts: FileSourceOptions): FileSource {
  return new FileTailer(opts)
}

class FileTailer implements FileSource {
  private readonly log: Logger
  private readonly pollMs: number
  private readonly maxOpen: number
  private readonly quietMs: number
  private readonly idleMs: number
  private readonly chunkBytes: number
  private readonly coalesceMs: number
  private readonly patterns: Array<{
    spec: FileSourceSpec
    pattern: CompiledPattern
    literal: boolean
    warned: boolean
  }>
  private readonly entries = new Map<string, Entry>()
  /** path (and symlink target) → entries to wake on a directory event */
  private readonly byPath = new Map<string, Set<Entry>>()
  private readonly dirty = new Set<Entry>()
  private readonly draining = new Set<Entry>()
  /** entries waiting for another entry to let go of the file their path names */
  private readonly deferred = new Set<Entry>()
  /** dev:ino → the entry reading that file */
  private readonly owners = new Map<string, Entry>()
  /** dev:ino → where reading of a file stopped when it was let go (another path naming it continues there) */
  private readonly retired = new Map<string, { fp: Fingerprint; offset: number }>()
  /** open descriptors, least recently used first */
  private readonly openFiles = new Map<OpenFile, Entry>()
  /** compressed archives matched by a glob, logged once each */
  private readonly skipped = new Set<string>()
  private readonly watchers: DirWatchers
  private scanDirs: string[] = []
  private readonly extraDirs = new Set<string>()
  private readonly buf: Buffer
  private waker: (() => void) | null = null
  private rescanTimer: NodeJS.Timeout | null = null
  private started = false
  private watchWarned = false

  constructor(private readonly opts: FileSourceOptions) {
    this.log = opts.log
    this.pollMs = opts.pollIntervalMs ?? 5000
    this.maxOpen = Math.max(1, opts.maxOpenFiles ?? 256)
    this.quietMs = opts.rotateQuietMs ?? 2000
    this.idleMs = opts.idleCloseMs ?? 60_000
    this.chunkBytes = opts.chunkBytes ?? CHUNK_BYTES
    this.coalesceMs = opts.coalesceMs ?? 20
    this.buf = Buffer.allocUnsafe(this.chunkBytes)
    this.patterns = opts.specs.map((spec) => {
      const pattern = compilePattern(spec.path)
      return { spec, pattern, literal: isLiteralPattern(pattern), warned: false }
    })
    this.watchers = new DirWatchers(
      (dir, type, name) => this.onDirEvent(dir, type, name),
      (dir, err) => {
        if (this.watchWarned) return
        this.watchWarned = true
        this.warn(
          dir,
          errCode(err),
          `Cannot watch ${dir} (${errCode(err)}); falling back to the ${this.pollMs} ms poll.`,
        )
      },
    )
  }

  files(): Array<{ path: string; site: string }> {
    return [...this.entries.values()].map((e) => ({ path: e.path, site: e.site }))
  }

  async *batches(signal: AbortSignal): AsyncGenerator<LineBatch> {
    if (this.started) throw new Error('FileSource.batches() can be iterated once')
    this.started = true
    this.rescan(true)
    // paths with a checkpoint first: they may claim a rotated file that another match (access.log.1) also names
    const all = [...this.entries.values()]
    for (const e of all) if (this.opts.cursors.get(e.path)) this.dirty.add(e)
    for (const e of all) this.dirty.add(e)
    this.log.info({ files: all.length, dirs: this.watchers.size }, 'Watching files.')
    const poll = setInterval(() => this.poll(), this.pollMs)
    const onAbort = (): void => this.wake()
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      while (!signal.aborted) {
        const e = this.takeDirty()
        if (e === undefined) {
          await new Promise<void>((resolve) => {
            this.waker = resolve
          })
          if (this.coalesceMs > 0 && !signal.aborted) await sleep(this.coalesceMs)
          continue
        }
        let r: Step
        try {
          r = await this.step(e)
        } catch (err) {
          const code = errCode(err)
          this.problem(e, code, `Cannot read ${e.path} (${(err as Error).message}); retrying every poll.`)
          r = NONE
        }
        if (r.more) this.dirty.add(e)
        if (r.batch !== null && r.batch.lines.length > 0) yield r.batch
      }
    } finally {
      signal.removeEventListener('abort', onAbort)
      clearInterval(poll)
      if (this.rescanTimer) clearTimeout(this.rescanTimer)
      this.watchers.close()
      for (const e of this.entries.values()) if (e.drainTimer) clearTimeout(e.drainTimer)
      for (const f of this.openFiles.keys()) this.closeFile(f)
    }
  }

  // ── scheduling ────────────────────────────────────────────────────────────────────────────────────────────────

  private takeDirty(): Entry | undefined {
    for (const e of this.dirty) {
      this.dirty.delete(e)
      return e
    }
    return undefined
  }

  private wake(): void {
    const w = this.waker
    this.waker = null
    w?.()
  }

  private markDirty(e: Entry): void {
    this.dirty.add(e)
    this.wake()
  }

  private onDirEvent(dir: string, type: string, name: string | null): void {
    if (name === null) {
      for (const e of this.entries.values()) if (dirname(e.path) === dir) this.markDirty(e)
    } else {
      const set = this.byPath.get(join(dir, name))
      if (set) for (const e of set) this.markDirty(e)
    }
    // a rotated-away file has another name now (access.log.1): wake whatever is draining
    for (const e of this.draining) this.markDirty(e)
    if (type === 'rename' || name === null) this.scheduleRescan()
  }

  private scheduleRescan(): void {
    if (this.rescanTimer) return
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null
      this.rescan(false)
    }, 10)
  }

  /** The slow fallback: rescan the patterns, stat every path, close idle descriptors. */
  private poll(): void {
    this.rescan(false)
    const now = Date.now()
    for (const e of this.entries.values()) {
      const seen = statKey(e.path)
      if (seen !== e.seen || e.problem !== null || e.old !== null || this.deferred.has(e)) {
        e.seen = seen
        this.markDirty(e)
      }
    }
    for (const [f, e] of this.openFiles) {
      if (f === e.cur && now - f.lastGrowthAt > this.idleMs) this.closeFile(f)
    }
  }

  private rescan(initial: boolean): void {
    const dirs = new Set<string>()
    const matched = new Set<string>()
    for (const p of this.patterns) {
      const { matches, dirs: ds } = expandPattern(p.pattern)
      for (const d of ds) dirs.add(d)
      if (p.literal) {
        // a literal path is always tracked: it may be missing or a directory now, and warned about as such
        const path = join(p.pattern.base, literalName(p.pattern))
        dirs.add(dirname(path))
        matched.add(path)
        this.addEntry(path, p.spec.site ?? '', p.spec, initial)
      }
      for (const m of matches) {
        // rotated archives (access.log.2.gz) match wide globs but are not text to tail; `lookout scan` reads them
        if (COMPRESSED.test(m.path)) {
          if (!this.skipped.has(m.path)) {
            this.skipped.add(m.path)
            this.log.info({ path: m.path }, 'Compressed file matched; not tailed (use lookout scan to read it).')
          }
          continue
        }
        matched.add(m.path)
        this.addEntry(m.path, p.spec.site ?? m.site, p.spec, initial)
      }
      if (matches.length === 0 && !p.warned) {
        p.warned = true
        this.warn(p.spec.path, 'ENOMATCH', `No file matches ${p.spec.path} yet; watching for it.`)
      } else if (matches.length > 0) {
        p.warned = false
      }
    }
    // forget paths that are gone and have nothing left to read
    for (const e of this.entries.values()) {
      if (!matched.has(e.path) && e.cur === null && e.old === null && !this.deferred.has(e)) {
        this.entries.delete(e.path)
        this.dirty.delete(e)
        this.unindex(e.path, e)
      }
    }
    this.scanDirs = [...dirs]
    this.syncWatchers()
  }

  private syncWatchers(): void {
    this.watchers.sync([...this.scanDirs, ...this.extraDirs])
  }

  private addEntry(path: string, site: string, spec: FileSourceSpec, initial: boolean): void {
    if (this.entries.has(path)) return
    const e: Entry = {
      path,
      site,
      spec,
      initial,
      opened: false,
      cur: null,
      old: null,
      problem: null,
      seen: '',
      drainTimer: null,
    }
    this.entries.set(path, e)
    this.index(path, e)
    if (this.started) this.markDirty(e)
  }

  private index(path: string, e: Entry): void {
    const set = this.byPath.get(path)
    if (set) set.add(e)
    else this.byPath.set(path, new Set([e]))
  }

  private unindex(path: string, e: Entry): void {
    const set = this.byPath.get(path)
    set?.delete(e)
    if (set?.size === 0) this.byPath.delete(path)
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────────────────────

  private async step(e: Entry): Promise<Step> {
    if (e.old !== null) return this.drainOld(e)
    let st: Stats
    try {
      st = await statPath(e.path)
    } catch (err) {
      const code = errCode(err)
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (e.cur !== null) {
          this.log.info({ path: e.path }, 'File was moved or deleted; reading what is left of it.')
          this.toOld(e)
          return MORE
        }
        if (e.opened) this.problem(e, 'ENOENT', `${e.path} vanished; waiting for it to come back.`)
        return NONE
      }
      this.problem(e, code, `Cannot read ${e.path}: ${code}; retrying every ${this.pollMs} ms.`)
      return NONE
    }
    e.seen = keyOf(st)
    if (st.isDirectory()) {
      this.problem(e, 'EISDIR', `${e.path} is a directory, not a log file; waiting for a file.`)
      if (e.cur !== null) this.toOld(e)
      return e.old !== null ? MORE : NONE
    }
    if (!st.isFile()) {
      this.problem(e, 'ENOTREG', `${e.path} is not a regular file; skipped until it is one.`)
      return NONE
    }
    if (e.cur !== null && (st.ino !== e.cur.fp.ino || st.dev !== e.cur.fp.dev)) {
      this.log.info({ path: e.path }, 'Log rotation detected.')
      this.toOld(e)
      return MORE
    }
    if (e.cur === null) {
      if (!(await this.openCurrent(e))) return NONE
      if (e.old !== null) return MORE
    }
    const f = e.cur as OpenFile
    if (f.fd === null && !(await this.reopenCurrent(e, f))) return MORE
    const fd = f.fd as number
    if (st.size < f.splitter.readPos) {
      this.log.info(
        { path: e.path, size: st.size, offset: f.splitter.readPos },
        'File was truncated; reading it from the start.',
      )
      f.splitter.reset(0)
      f.fp = await fingerprintFd(fd, st)
    } else if (st.size !== f.lastSize && f.fp.headLen > 0 && !(await headMatches(fd, f.fp))) {
      // copytruncate followed by writes past our offset before we looked
      this.log.info({ path: e.path }, 'File was rewritten; reading it from the start.')
      f.splitter.reset(0)
      f.fp = await fingerprintFd(fd, st)
    }
    if (f.fp.headLen < HEAD_BYTES && st.size > f.fp.headLen) f.fp = await fingerprintFd(fd, st)
    f.lastSize = st.size
    this.clearProblem(e)
    return this.readChunk(e, f)
  }

  private async readChunk(e: Entry, f: OpenFile): Promise<Step> {
    this.touch(f, e)
    const n = await readAt(f.fd as number, this.buf, this.chunkBytes, f.splitter.readPos)
    if (n === 0) return NONE
    f.lastGrowthAt = Date.now()
    const start = f.splitter.offset
    const lines = f.splitter.push(n === this.chunkBytes ? this.buf : this.buf.subarray(0, n))
    return { batch: lines.length > 0 ? this.batch(e, f, lines, start) : null, more: n === this.chunkBytes }
  }

  private batch(e: Entry, f: OpenFile, lines: string[], start: number): LineBatch {
    return {
      path: e.path,
      site: e.site,
      fingerprint: f.fp,
      lines,
      startOffset: start,
      endOffset: f.splitter.offset,
      bytes: f.splitter.offset - start,
      truncated: f.splitter.lastTruncated,
      raw: f.splitter.lastRaw,
    }
  }

  /** The path names another file now (or none): the current one becomes the one to drain. */
  private toOld(e: Entry): void {
    const f = e.cur as OpenFile
    f.lastGrowthAt = Date.now()
    e.old = f
    e.cur = null
    this.draining.add(e)
  }

  /** Reads a rotated-away file to its end; lets go of it once it has been quiet for `rotateQuietMs`. */
  private async drainOld(e: Entry): Promise<Step> {
    const f = e.old as OpenFile
    if (f.fd === null) {
      const found = await this.findFile([f.realPath], [dirname(e.path), dirname(f.realPath)], f.fp)
      if (found === null) {
        this.warn(
          e.path,
          'ROTATED_MISSING',
          `The rotated file that was ${e.path} is gone; lines written to it after offset ${f.splitter.offset} may be missing.`,
        )
        this.retire(e, f)
        return MORE
      }
      f.fd = found.fd
      f.realPath = found.path
      this.openFiles.set(f, e)
    }
    const r = await this.readChunk(e, f)
    if (r.batch !== null || r.more) return { batch: r.batch, more: true }
    const quietFor = Date.now() - f.lastGrowthAt
    if (quietFor < this.quietMs) {
      if (e.drainTimer === null) {
        e.drainTimer = setTimeout(
          () => {
            e.drainTimer = null
            this.markDirty(e)
          },
          this.quietMs - quietFor + 5,
        )
      }
      return NONE
    }
    // done: a last line without its newline will never get one in this file
    const start = f.splitter.offset
    const last = f.splitter.flush()
    const batch = last !== null ? this.batch(e, f, [last], start) : null
    this.retire(e, f)
    return { batch, more: true }
  }

  private retire(e: Entry, f: OpenFile): void {
    this.closeFile(f)
    const key = inoKey(f.fp)
    if (this.owners.get(key) === e) this.owners.delete(key)
    this.retired.set(key, { fp: f.fp, offset: f.splitter.readPos })
    if (this.retired.size > MAX_RETIRED) {
      for (const k of this.retired.keys()) {
        this.retired.delete(k)
        break
      }
    }
    if (f.realPath !== e.path && e.cur?.realPath !== f.realPath) this.unindex(f.realPath, e)
    e.old = null
    this.draining.delete(e)
    if (e.drainTimer) {
      clearTimeout(e.drainTimer)
      e.drainTimer = null
    }
    for (const d of this.deferred) this.markDirty(d)
    this.deferred.clear()
  }

  /** Opens the file at the path as the current one; decides where to start. False: not now. */
  private async openCurrent(e: Entry): Promise<boolean> {
    let fd: number
    try {
      fd = await openFd(e.path, 'r')
    } catch (err) {
      const code = errCode(err)
      if (code !== 'ENOENT') this.problem(e, code, `Cannot open ${e.path}: ${code}; retrying every ${this.pollMs} ms.`)
      return false
    }
    let keep = false
    try {
      const st = await fstatFd(fd)
      if (!st.isFile()) return false
      const key = inoKey(st)
      const owner = this.owners.get(key)
      if (owner !== undefined && owner !== e) {
        // another path is reading this very file (access.log renamed to access.log.1): continue where it stops
        this.deferred.add(e)
        return false
      }
      this.deferred.delete(e)
      const fp = await fingerprintFd(fd, st)
      // a file another path has read (rotated names): continue where that path stopped
      const r = this.retired.get(key)
      const retiredAt = r !== undefined && (await headMatches(fd, r.fp)) ? Math.min(r.offset, st.size) : null
      let start = retiredAt ?? 0
      if (!e.opened) {
        e.opened = true
        start = await this.resumePoint(e, fd, st, retiredAt)
      }
      const realPath = realpathOr(e.path)
      if (realPath !== e.path) {
        this.index(realPath, e)
        if (!this.extraDirs.has(dirname(realPath))) {
          this.extraDirs.add(dirname(realPath))
          this.syncWatchers()
        }
      }
      const f: OpenFile = {
        fp,
        fd,
        realPath,
        splitter: new LineSplitter(this.opts.maxLineBytes, start),
        lastGrowthAt: Date.now(),
        lastSize: -1,
      }
      this.makeRoom()
      e.cur = f
      this.owners.set(key, e)
      this.openFiles.set(f, e)
      keep = true
      return true
    } finally {
      if (!keep) closeQuietly(fd)
    }
  }

  /**
   * Where a path's first open starts: its checkpoint, else where another path let go of the same file, else
   * `startAt` (files present at the start), else 0.
   */
  private async resumePoint(e: Entry, fd: number, st: Stats, retiredAt: number | null): Promise<number> {
    const cp = this.opts.cursors.get(e.path)
    if (cp?.fingerprint) {
      if (st.dev === cp.fingerprint.dev && st.ino === cp.fingerprint.ino) {
        if (cp.offset <= st.size && (await headMatches(fd, cp.fingerprint))) return cp.offset
        // copytruncate while stopped (the copy has another inode: nothing to find), or a reused inode
        this.warn(
          e.path,
          'TRUNCATED',
          `${e.path} was truncated or rewritten while lookout was stopped (checkpoint at ${cp.offset} bytes); reading it from the start.`,
        )
        return 0
      }
      // replaced while lookout was stopped: finish the rotated file first (found by dev+ino in the same folder)
      const key = inoKey(cp.fingerprint)
      const owner = this.owners.get(key)
      const found =
        owner === undefined
          ? await this.findFile([], [dirname(e.path), dirname(realpathOr(e.path))], cp.fingerprint)
          : null
      if (found !== null) {
        this.log.info(
          { path: e.path, rotated: found.path },
          'File was rotated while lookout was stopped; finishing the rotated file first.',
        )
        const old: OpenFile = {
          fp: cp.fingerprint,
          fd: found.fd,
          realPath: found.path,
          splitter: new LineSplitter(this.opts.maxLineBytes, cp.offset),
          lastGrowthAt: Date.now(),
          lastSize: -1,
        }
        e.old = old
        this.draining.add(e)
        this.owners.set(key, e)
        this.openFiles.set(old, e)
      } else if (owner === undefined) {
        this.warn(
          e.path,
          'ROTATED_MISSING',
          `${e.path} was replaced while lookout was stopped and the old file was not found; lines written to it after offset ${cp.offset} may be missing.`,
        )
      }
      return 0
    }
    if (retiredAt !== null) return retiredAt
    if (e.initial && e.spec.startAt === 'end') return this.lineStartBefore(fd, st.size)
    return 0
  }

  /** Start of the line being written at the end of the file (after the last newline), so no half line is read. */
  private async lineStartBefore(fd: number, size: number): Promise<number> {
    // 8 KiB holds many lines; a longer line being written right now is read from the end (cut, not lost)
    const len = Math.min(size, 8 * 1024)
    if (len === 0) return size
    const n = await readAt(fd, this.buf, len, size - len)
    const nl = this.buf.subarray(0, n).lastIndexOf(10)
    if (nl >= 0) return size - n + nl + 1
    return size === n ? 0 : size
  }

  /** Reopens a current file whose descriptor was closed (idle); false when the path names another file now. */
  private async reopenCurrent(e: Entry, f: OpenFile): Promise<boolean> {
    let fd: number
    try {
      fd = await openFd(e.path, 'r')
    } catch (err) {
      this.problem(e, errCode(err), `Cannot open ${e.path}: ${errCode(err)}; retrying every ${this.pollMs} ms.`)
      return false
    }
    const st = await fstatFd(fd)
    if (st.dev !== f.fp.dev || st.ino !== f.fp.ino) {
      closeQuietly(fd)
      this.log.info({ path: e.path }, 'Log rotation detected.')
      this.toOld(e)
      return false
    }
    this.makeRoom()
    f.fd = fd
    this.openFiles.set(f, e)
    if (!(await headMatches(fd, f.fp))) {
      // same inode, other content: reused inode, or rewritten while closed
      this.log.info({ path: e.path }, 'File was replaced or rewritten; reading it from the start.')
      f.splitter.reset(0)
      f.fp = await fingerprintFd(fd, st)
    }
    return true
  }

  /** Finds and opens the file with fingerprint `fp`: first at `paths`, then by dev+ino among the entries of `dirs`. */
  private async findFile(
    paths: string[],
    dirs: string[],
    fp: Fingerprint,
  ): Promise<{ fd: number; path: string } | null> {
    const candidates = [...paths]
    for (const dir of new Set(dirs)) {
      let names: string[]
      try {
        names = readdirSync(dir)
      } catch {
        continue
      }
      for (const name of names) {
        const p = join(dir, name)
        try {
          const st = statSync(p)
          if (st.ino === fp.ino && st.dev === fp.dev) candidates.push(p)
        } catch {
          // vanished meanwhile
        }
      }
    }
    for (const p of candidates) {
      let fd: number
      try {
        fd = await openFd(p, 'r')
      } catch {
        continue
      }
      if (await matchesFingerprint(fd, await fstatFd(fd), fp)) return { fd, path: p }
      closeQuietly(fd)
    }
    return null
  }

  // ── descriptors ───────────────────────────────────────────────────────────────────────────────────────────────

  private touch(f: OpenFile, e: Entry): void {
    this.openFiles.delete(f)
    this.openFiles.set(f, e)
  }

  /** Keeps the open descriptors under `maxOpenFiles` by closing the least recently read current files. */
  private makeRoom(): void {
    if (this.openFiles.size < this.maxOpen) return
    for (const [f, e] of this.openFiles) {
      if (this.openFiles.size < this.maxOpen) break
      if (f === e.cur) this.closeFile(f)
    }
  }

  private closeFile(f: OpenFile): void {
    if (f.fd !== null) closeQuietly(f.fd)
    f.fd = null
    this.openFiles.delete(f)
  }

  // ── warnings ──────────────────────────────────────────────────────────────────────────────────────────────────

  private warn(path: string, code: string, message: string): void {
    this.log.warn({ path, code }, message)
    this.opts.onWarning?.({ path, code, message })
  }

  /** Warns once per problem of a path; `clearProblem` says when it reads fine again. */
  private problem(e: Entry, code: string, message: string): void {
    if (e.problem === code) return
    e.problem = code
    this.warn(e.path, code, message)
  }

  private clearProblem(e: Entry): void {
    if (e.problem === null) return
    this.log.info({ path: e.path, was: e.problem }, 'File is readable again.')
    e.problem = null
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const keyOf = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.mode}`

const statKey = (path: string): string => {
  try {
    const st = statSync(path, { throwIfNoEntry: false })
    return st === undefined ? 'ENOENT' : keyOf(st)
  } catch (err) {
    return errCode(err)
  }
}

const realpathOr = (path: string): string => {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

const literalName = (p: CompiledPattern): string =>
  p.segments.map((s) => (s.kind === 'literal' ? s.text : '')).join('/')
