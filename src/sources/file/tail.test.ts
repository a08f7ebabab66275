import {
  appendFileSync,
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { numbered, only, type Running, sleep, startSource, waitFor, writeLines } from './testdata/harness.js'

let dir: string
let running: Running | null = null
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-tail-'))
})
afterEach(async () => {
  await running?.stop()
  running = null
  rmSync(dir, { recursive: true, force: true })
})

const start = (...args: Parameters<typeof startSource>): Running => {
  running = startSource(...args)
  return running
}

/** Waits until `n` lines arrived, then a little longer, so that a duplicate would show up too. */
async function settle(r: Running, n: number, what: string): Promise<void> {
  await waitFor(() => r.lines.length >= n, `${n} lines (${what}), have ${r.lines.length}`)
  await sleep(400)
}

describe('file source: reading', () => {
  it('reads existing lines from the beginning, then appended ones; a partial line waits for its newline', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'a', 0, 100)
    const r = start({ specs: [{ path: file, startAt: 'beginning' }] })
    await settle(r, 100, 'existing')
    writeLines(file, 'a', 100, 150)
    appendFileSync(file, 'a-150 partial')
    await settle(r, 150, 'appended')
    expect(r.lines).toEqual(numbered('a', 0, 150))
    appendFileSync(file, ' and done\n')
    await settle(r, 151, 'completed line')
    expect(r.lines.at(-1)).toBe('a-150 partial and done')
    expect(r.batches.at(-1)?.endOffset).toBe(
      Buffer.byteLength(`${numbered('a', 0, 150).join('\n')}\na-150 partial and done\n`),
    )
  })

  it('startAt end skips what was there and reads what comes', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'old', 0, 50)
    appendFileSync(file, 'being wri') // a line half written when lookout starts is read whole
    const r = start({ specs: [{ path: file, startAt: 'end' }] })
    await sleep(300)
    appendFileSync(file, 'tten\n')
    writeLines(file, 'new', 0, 10)
    await settle(r, 11, 'new lines')
    expect(r.lines).toEqual(['being written', ...numbered('new', 0, 10)])
  })

  it('cuts huge lines, counts them, and reads invalid UTF-8 and NUL bytes as lines', async () => {
    const file = join(dir, 'x.log')
    writeFileSync(file, '')
    const r = start({ specs: [{ path: file, startAt: 'beginning' }], maxLineBytes: 1000 })
    await sleep(200)
    appendFileSync(file, Buffer.concat([Buffer.from(`${'h'.repeat(5000)}\nok\n`), Buffer.from([0, 0xff, 0x41, 0x0a])]))
    await settle(r, 3, 'three lines')
    expect(r.lines).toEqual(['h'.repeat(1000), 'ok', '\0\uFFFDA'])
    expect(r.batches.reduce((n, b) => n + b.truncated, 0)).toBe(1)
  })
})

describe('file source: rotation, every line exactly once', () => {
  it('rename + create (logrotate default), with lines written to the old file just after the rename', async () => {
    const file = join(dir, 'access.log')
    const oldFd = openSync(file, 'a')
    writeLines(oldFd, 'a', 0, 500)
    // a generous quiet period: the late writes below must land inside it even on a loaded machine
    const r = start({ specs: [{ path: file, startAt: 'beginning' }], rotateQuietMs: 1500 })
    await waitFor(() => r.lines.length >= 500, 'first lines')
    renameSync(file, `${file}.1`)
    writeLines(oldFd, 'a', 500, 600) // the web server has not reopened its log yet
    writeFileSync(file, '')
    writeLines(file, 'b', 0, 100)
    await sleep(100)
    writeLines(oldFd, 'a', 600, 650) // still inside the quiet period
    closeSync(oldFd)
    writeLines(file, 'b', 100, 200)
    await waitFor(() => r.lines.length >= 850, 'old and new')
    await sleep(1600)
    expect(only(r.lines, 'a')).toEqual(numbered('a', 0, 650))
    expect(only(r.lines, 'b')).toEqual(numbered('b', 0, 200))
    expect(r.lines).toHaveLength(850)
    // the old file is finished before the new one starts, and its batches carry its own fingerprint
    expect(r.lines.indexOf('a-649')).toBeLessThan(r.lines.indexOf('b-0'))
    const fps = new Set(r.batches.map((b) => `${b.fingerprint?.ino}`))
    expect(fps.size).toBe(2)
    expect(r.batches.every((b) => b.path === file)).toBe(true)
  })

  it('copytruncate', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'a', 0, 300)
    const r = start({ specs: [{ path: file, startAt: 'beginning' }] })
    await waitFor(() => r.lines.length >= 300, 'first lines')
    copyFileSync(file, join(dir, 'access.log.1'))
    truncateSync(file, 0)
    writeLines(file, 'b', 0, 20)
    await settle(r, 320, 'after truncate')
    writeLines(file, 'b', 20, 40)
    await settle(r, 340, 'more')
    expect(r.lines).toEqual([...numbered('a', 0, 300), ...numbered('b', 0, 40)])
  })

  it('copytruncate followed at once by more writes than were read', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'a', 0, 10)
    const r = start({ specs: [{ path: file, startAt: 'beginning' }], pollIntervalMs: 5000, coalesceMs: 100 })
    await waitFor(() => r.lines.length >= 10, 'first lines')
    truncateSync(file, 0)
    writeLines(file, 'b', 0, 200) // larger than the old offset before the source looks
    await settle(r, 210, 'rewritten file')
    expect(r.lines).toEqual([...numbered('a', 0, 10), ...numbered('b', 0, 200)])
  })

  it('delete + recreate', async () => {
    const file = join(dir, 'access.log')
    writeLines(file, 'a', 0, 200)
    const r = start({ specs: [{ path: file, startAt: 'beginning' }] })
    await waitFor(() => r.lines.length >= 200, 'first lines')
    writeLines(file, 'a', 200, 210)
    unlinkSync(file)
    writeLines(file, 'b', 0, 50)
    await settle(r, 260, 'recreated')
    writeLines(file, 'b', 50, 60)
    await settle(r, 270, 'more')
    expect(r.lines).toEqual([...numbered('a', 0, 210), ...numbered('b', 0, 60)])
  })

  it('symlink swap (the path is a symlink whose target changes)', async () => {
    mkdirSync(join(dir, 'releases'))
    const t1 = join(dir, 'releases', 'r1.log')
    const t2 = join(dir, 'releases', 'r2.log')
    const link = join(dir, 'current.log')
    writeLines(t1, 'a', 0, 100)
    symlinkSync(t1, link)
    const r = start({ specs: [{ path: link, startAt: 'beginning' }] })
    await waitFor(() => r.lines.length >= 100, 'first lines')
    writeLines(t1, 'a', 100, 120) // via the target's folder, not the link's
    await waitFor(() => r.lines.length >= 120, 'lines written to the target')
    writeLines(t2, 'b', 0, 30)
    symlinkSync(t2, `${link}.tmp`)
    renameSync(`${link}.tmp`, link) // atomic swap, like `ln -sfn`
    expect(readlinkSync(link)).toBe(t2)
    writeLines(t1, 'a', 120, 130) // the old target still gets a few lines
    writeLines(t2, 'b', 30, 40)
    await settle(r, 170, 'after the swap')
    expect(only(r.lines, 'a')).toEqual(numbered('a', 0, 130))
    expect(only(r.lines, 'b')).toEqual(numbered('b', 0, 40))
    expect(r.lines).toHaveLength(170)
  })

  it('a glob that also matches the rotated name (access.log*) reads nothing twice', async () => {
    const file = join(dir, 'access.log')
    const oldFd = openSync(file, 'a')
    writeLines(oldFd, 'a', 0, 100)
    writeFileSync(`${file}.2.gz`, gzipSync('z-0\n')) // an archive: matched by the glob, never tailed
    const r = start({ specs: [{ path: join(dir, 'access.log*'), startAt: 'beginning' }] })
    await waitFor(() => r.lines.length >= 100, 'first lines')
    renameSync(file, `${file}.1`)
    writeLines(oldFd, 'a', 100, 150)
    writeLines(file, 'b', 0, 50)
    await settle(r, 200, 'rotation')
    closeSync(oldFd)
    await sleep(600)
    expect(only(r.lines, 'a')).toEqual(numbered('a', 0, 150))
    expect(only(r.lines, 'b')).toEqual(numbered('b', 0, 50))
    expect(r.lines).toHaveLength(200)
    expect(r.source.files().map((f) => f.path)).not.toContain(`${file}.2.gz`)
    // later writes to access.log.1 (unusual, but possible) are read once, under its own path
    appendFileSync(`${file}.1`, 'a-late\n')
    await settle(r, 201, 'late line')
    expect(r.lines.filter((l) => l === 'a-late')).toHaveLength(1)
    expect(r.batches.at(-1)?.path).toBe(`${file}.1`)
  })
})

describe('file source: globs, sites, discovery', () => {
  it('names sites by {site}, picks up files that appear later from their first byte', async () => {
    writeLines(join(dir, 'shop.access.log'), 'shop', 0, 5)
    writeLines(join(dir, 'blog.access.log'), 'blog', 0, 5)
    writeLines(join(dir, 'blog.error.log'), 'error', 0, 5)
    const r = start({ specs: [{ path: join(dir, '{site}.access.log'), startAt: 'beginning' }] })
    await settle(r, 10, 'two sites')
    writeLines(join(dir, 'news.access.log'), 'news', 0, 7)
    await settle(r, 17, 'new site')
    expect(r.lines.filter((l) => l.startsWith('error'))).toEqual([])
    const sites = new Map(r.batches.map((b) => [b.lines[0]?.split('-')[0], b.site]))
    expect(sites).toEqual(
      new Map([
        ['shop', 'shop'],
        ['blog', 'blog'],
        ['news', 'news'],
      ]),
    )
    expect(
      r.source
        .files()
        .map((f) => f.site)
        .sort(),
    ).toEqual(['blog', 'news', 'shop'])
  })

  it('globs across folders (/www/*/logs/access.log) and a fixed site overrides', async () => {
    for (const s of ['one', 'two']) {
      mkdirSync(join(dir, s, 'logs'), { recursive: true })
      writeLines(join(dir, s, 'logs', 'access.log'), s, 0, 3)
    }
    const r = start({ specs: [{ path: join(dir, '*/logs/access.log'), site: 'fixed', startAt: 'beginning' }] })
    await settle(r, 6, 'two folders')
    mkdirSync(join(dir, 'three', 'logs'), { recursive: true })
    writeLines(join(dir, 'three', 'logs', 'access.log'), 'three', 0, 3)
    await settle(r, 9, 'a new folder')
    expect(r.batches.every((b) => b.site === 'fixed')).toBe(true)
    expect(only(r.lines, 'three')).toEqual(numbered('three', 0, 3))
  })

  it('warns once when nothing matches, and reads the file when it appears', async () => {
    const r = start({ specs: [{ path: join(dir, 'later', '*.log'), startAt: 'end' }] })
    await sleep(300)
    expect(r.warnings.filter((w) => w.code === 'ENOMATCH')).toHaveLength(1)
    mkdirSync(join(dir, 'later'))
    writeLines(join(dir, 'later', 'x.log'), 'x', 0, 4)
    await settle(r, 4, 'appeared')
    expect(r.lines).toEqual(numbered('x', 0, 4))
    expect(r.warnings.filter((w) => w.code === 'ENOMATCH')).toHaveLength(1)
  })

  it('keeps open descriptors under maxOpenFiles with many files, and loses nothing', async () => {
    const n = 40
    for (let i = 0; i < n; i++) writeLines(join(dir, `s${i}.log`), `s${i}`, 0, 2)
    const r = start({ specs: [{ path: join(dir, '*.log'), startAt: 'beginning' }], maxOpenFiles: 8 })
    await settle(r, 2 * n, 'first round')
    const openInDir = (): number =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)
        } catch {
          return false
        }
      }).length
    expect(openInDir()).toBeLessThanOrEqual(8)
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < n; i++) writeLines(join(dir, `s${i}.log`), `s${i}`, 2 * round, 2 * round + 2)
      await settle(r, 2 * n * (round + 1), `round ${round}`)
      expect(openInDir()).toBeLessThanOrEqual(8)
    }
    for (let i = 0; i < n; i++) expect(only(r.lines, `s${i}`)).toEqual(numbered(`s${i}`, 0, 8))
    expect(r.lines).toHaveLength(8 * n)
  })

  it('reopens idle files by path and notices a file replaced while closed', async () => {
    const file = join(dir, 'a.log')
    writeLines(file, 'a', 0, 10)
    const r = start({ specs: [{ path: file, startAt: 'beginning' }], idleCloseMs: 100 })
    await settle(r, 10, 'first')
    await sleep(300) // closed as idle by now
    writeLines(file, 'a', 10, 20)
    await settle(r, 20, 'after reopen')
    unlinkSync(file)
    writeLines(file, 'b', 0, 5)
    await settle(r, 25, 'replaced')
    expect(r.lines).toEqual([...numbered('a', 0, 20), ...numbered('b', 0, 5)])
  })
})

describe('file source: bad situations', () => {
  it('a watched path that becomes a directory: warned, no crash, and read again when it is a file', async () => {
    const file = join(dir, 'a.log')
    writeLines(file, 'a', 0, 5)
    const r = start({ specs: [{ path: file, startAt: 'beginning' }] })
    await settle(r, 5, 'first')
    unlinkSync(file)
    mkdirSync(file)
    await waitFor(() => r.warnings.some((w) => w.code === 'EISDIR' && w.path === file), 'EISDIR warning')
    rmSync(file, { recursive: true })
    writeLines(file, 'b', 0, 5)
    await settle(r, 10, 'a file again')
    expect(r.lines).toEqual([...numbered('a', 0, 5), ...numbered('b', 0, 5)])
  })

  it('a file that vanishes is warned about, never fatal', async () => {
    const file = join(dir, 'a.log')
    writeLines(file, 'a', 0, 5)
    const r = start({ specs: [{ path: file, startAt: 'beginning' }] })
    await settle(r, 5, 'first')
    unlinkSync(file)
    await waitFor(() => r.warnings.some((w) => w.code === 'ENOENT'), 'ENOENT warning')
    writeLines(file, 'b', 0, 3)
    await settle(r, 8, 'back')
    expect(only(r.lines, 'b')).toEqual(numbered('b', 0, 3))
  })

  it.skipIf(process.getuid?.() === 0)(
    'EACCES: warns naming the file and keeps retrying (skipped as root: root ignores file modes)',
    async () => {
      const file = join(dir, 'secret.log')
      writeLines(file, 'a', 0, 3)
      chmodSync(file, 0o000)
      const r = start({ specs: [{ path: file, startAt: 'beginning' }] })
      await waitFor(() => r.warnings.some((w) => w.code === 'EACCES' && w.message.includes(file)), 'EACCES warning')
      chmodSync(file, 0o644)
      await settle(r, 3, 'readable again')
      expect(r.lines).toEqual(numbered('a', 0, 3))
      expect(r.warnings.filter((w) => w.code === 'EACCES')).toHaveLength(1)
    },
  )
})
