/**
 * The pipeline in-process, over a real tailed file and a real SQLite store: hostile bytes in the log, and a store
 * that cannot be written (disk full) — nothing crashes, nothing is lost, everything is counted.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { parseConfigText } from '../src/config/load.js'
import { startPipeline } from '../src/pipeline.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import type { Store } from '../src/store/store.js'
import { type FakeSlack, startFakeSlack } from './helpers/fake-slack.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await sleep(20)
  }
}

const now = () => new Date().toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000')
const failedLogin = (ip: string) => `${ip} - - [${now()}] "POST /wp-login.php HTTP/1.1" 200 4523 "-" "curl/8"`

/** A pino logger whose lines the test can read. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>)
      cb()
    },
  })
  return { log: pino({ level: 'info' }, stream), lines }
}

let slack: FakeSlack | undefined
afterAll(async () => slack?.close())

function setup(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `lookout-pipeline-${name}-`))
  const file = join(dir, 'access.log')
  writeFileSync(file, '')
  return { dir, file }
}

describe('pipeline', () => {
  it('counts binary junk, NUL bytes, invalid UTF-8 and huge lines, and still sees the attack among them', async () => {
    slack = await startFakeSlack()
    const { dir, file } = setup('junk')
    const config = parseConfigText(
      `state_dir: ${dir}\nmax_line_bytes: 4096\nsources: [{ path: ${file}, format: combined, site: shop.example, start_at: beginning }]\nnotify: { slack: { webhook_url: "${slack.url}" } }\n`,
      join(dir, 'lookout.yml'),
    )
    const store = openSqliteStore(join(dir, 'lookout.db'))
    const { log } = capturedLog()
    const p = startPipeline({ config, store, log })
    await sleep(300)
    const junk = Buffer.concat([
      Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\n'),
      Buffer.from([0x00, 0x00, 0xff, 0xfe, 0x0a]),
      Buffer.from(`${'A'.repeat(1 << 20)}\n`),
      Buffer.from(`203.0.113.50 - - [${now()}] "GET /\xff\xfe HTTP/1.1" 404 0 "-" "\u202e<!channel>"\n`, 'latin1'),
      Buffer.from(`${Array.from({ length: 5 }, () => failedLogin('203.0.113.50')).join('\n')}\n`),
    ])
    appendFileSync(file, junk)
    const post = await slack.waitFor((x) => x.raw.includes('203.0.113.50'), 10_000)
    expect(post.problems).toEqual([])
    expect(post.raw).not.toContain('<!channel>')
    await p.stop()
    const cp = store.cursors.get(file)
    expect(cp?.lines).toBe(9)
    expect(cp?.truncated).toBe(1)
    expect(cp?.unparsed).toBe(3) // the TLS bytes, the NUL line, the megabyte of As
    expect(cp?.offset).toBe(junk.length)
    store.close()
  })

  it('keeps checkpoints and alerts in memory while the store cannot be written, and writes them later', async () => {
    slack ??= await startFakeSlack()
    const { dir, file } = setup('full')
    const config = parseConfigText(
      `state_dir: ${dir}\nsources: [{ path: ${file}, format: combined, start_at: beginning }]\nnotify: { slack: { webhook_url: "${slack.url}" } }\n`,
      join(dir, 'lookout.yml'),
    )
    const real = openSqliteStore(join(dir, 'lookout.db'))
    let diskFull = false
    // The store as a full disk shows it: every write transaction fails with SQLite's own error.
    const store: Store = {
      ...real,
      transaction: (fn) => {
        if (diskFull) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
        return real.transaction(fn)
      },
    }
    const { log, lines } = capturedLog()
    const p = startPipeline({ config, store, log, sweepIntervalMs: 100 })
    await sleep(300)
    diskFull = true
    appendFileSync(file, `${Array.from({ length: 6 }, () => failedLogin('198.51.100.77')).join('\n')}\n`)
    await until(() => p.stats().storeWriteFailures > 0)
    expect(real.outbox.counts().pending + real.outbox.counts().delivered).toBe(0)
    const error = lines.find((l) => l.level === 50)
    expect(error?.msg).toMatch(/Cannot write to the store/)
    expect(error?.store).toBe(join(dir, 'lookout.db'))

    diskFull = false // space again: the next sweep writes what waited
    await slack.waitFor((x) => x.raw.includes('198.51.100.77'), 10_000)
    await p.stop()
    expect(real.cursors.get(file)?.lines).toBe(6)
    expect(real.incidents.counts().total).toBe(1)
    real.close()
  })
})
