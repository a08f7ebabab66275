/**
 * Source benchmarks (numbers for the closing note, never a test):
 *   1. watching 2,000 idle files for 10 s: CPU% of the process (process.cpuUsage) while the file source waits;
 *   2. readLines throughput over a generated ~200 MB combined log: lines/s and MB/s.
 * Run: npm run build && node dist/bench/idle-watch.js [--lines N] [--files N] [--seconds S]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../core/log.js'
import { readLines } from '../sources/file/read-lines.js'
import { createFileSource } from '../sources/file/tail.js'
import type { Checkpoint, CursorRepo } from '../store/store.js'

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN
  return Number.isFinite(v) && v > 0 ? v : def
}

function memoryCursors(): CursorRepo {
  const m = new Map<string, Checkpoint>()
  return { get: (p) => m.get(p), put: (cp) => m.set(cp.path, cp), all: () => [...m.values()] }
}

async function idleWatch(files: number, seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-idle-'))
  try {
    for (let i = 0; i < files; i++) writeFileSync(join(dir, `site${i}.access.log`), `127.0.0.1 - - line of site ${i}\n`)
    const source = createFileSource({
      specs: [{ path: join(dir, '{site}.access.log'), startAt: 'end' }],
      cursors: memoryCursors(),
      maxLineBytes: 65536,
      log: silentLogger(),
    })
    const abort = new AbortController()
    let lines = 0
    const consumed = (async () => {
      for await (const b of source.batches(abort.signal)) lines += b.lines.length
    })()
    // the start (scan, open and fingerprint every file) is reported apart from the idle cost
    const start0 = process.cpuUsage()
    await new Promise((r) => setTimeout(r, 4000))
    const start = process.cpuUsage(start0)
    console.log(
      `start: ${files} files scanned and opened with ${((start.user + start.system) / 1000).toFixed(0)} ms of CPU`,
    )
    const watched = source.files().length
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    const cpu = process.cpuUsage(cpu0)
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000
    abort.abort()
    await consumed
    const pct = ((cpu.user + cpu.system) / wallUs) * 100
    console.log(
      `idle watch: ${watched} files for ${seconds} s: CPU ${pct.toFixed(3)}% ` +
        `(user ${(cpu.user / 1000).toFixed(1)} ms, system ${(cpu.system / 1000).toFixed(1)} ms), lines read ${lines}`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const METHODS = ['GET', 'GET', 'GET', 'POST', 'HEAD']
const PATHS = ['/', '/wp-login.php', '/xmlrpc.php', '/shop/cart?item=42&qty=1', '/static/app.4f3a9c.js', '/feed/']
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'python-requests/2.31.0',
]

async function generate(file: string, lines: number): Promise<void> {
  const fh = await open(file, 'w')
  let seed = 42
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  let buf: string[] = []
  for (let i = 0; i < lines; i++) {
    const ip = `${10 + rnd(200)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`
    const t = `${String(1 + (i % 28)).padStart(2, '0')}/Mar/2025:12:${String(i % 60).padStart(2, '0')}:00 +0000`
    buf.push(
      `${ip} - - [${t}] "${METHODS[rnd(METHODS.length)]} ${PATHS[rnd(PATHS.length)]} HTTP/1.1" ${rnd(2) ? 200 : 404} ` +
        `${rnd(50000)} "https://example.com/page/${rnd(1000)}" "${UAS[rnd(UAS.length)]}"`,
    )
    if (buf.length === 10000) {
      await fh.write(`${buf.join('\n')}\n`)
      buf = []
    }
  }
  if (buf.length) await fh.write(`${buf.join('\n')}\n`)
  await fh.close()
}

async function throughput(lineCount: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-read-'))
  try {
    const file = join(dir, 'combined.log')
    await generate(file, lineCount)
    const size = statSync(file).size
    for (let run = 1; run <= 3; run++) {
      const t0 = process.hrtime.bigint()
      let lines = 0
      let batches = 0
      for await (const b of readLines(file, { maxLineBytes: 65536 })) {
        lines += b.lines.length
        batches++
      }
      const s = Number(process.hrtime.bigint() - t0) / 1e9
      console.log(
        `readLines run ${run}: ${lines} lines, ${(size / 1e6).toFixed(0)} MB in ${s.toFixed(3)} s: ` +
          `${(lines / s / 1e6).toFixed(2)}M lines/s, ${(size / 1e6 / s).toFixed(0)} MB/s, ${batches} batches, ` +
          `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
      )
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const which = process.argv.includes('--read-only') ? 'read' : process.argv.includes('--watch-only') ? 'watch' : 'both'
if (which !== 'read') await idleWatch(arg('files', 2000), arg('seconds', 10))
if (which !== 'watch') await throughput(arg('lines', 1_000_000))
