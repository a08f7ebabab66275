import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Alert } from '../core/types.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/store.js'
import type { Notifier } from './notifier.js'
import {
  createOutboxWorker,
  NOTIFY_ERRORS_KEY,
  notifyErrorKey,
  type OutboxWorker,
  type OutboxWorkerOptions,
} from './outbox-worker.js'
import { createSlackWebhookNotifier } from './slack/webhook.js'
import { makeAlert } from './testdata/alerts.js'
import { type FakeSlack, reply, startFakeSlack } from './testdata/fake-slack.js'

let dir: string
let file: string
let store: Store
let slack: FakeSlack
let logs: string[]
let worker: OutboxWorker | undefined

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-outbox-'))
  file = join(dir, 'state.db')
  store = openSqliteStore(file)
  slack = await startFakeSlack()
  logs = []
})

afterEach(async () => {
  await worker?.stop()
  worker = undefined
  store.close()
  await slack.close()
  rmSync(dir, { recursive: true, force: true })
})

const log = () => pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) })

const slackNotifier = (timeoutMs = 10_000): Notifier =>
  createSlackWebhookNotifier({ url: slack.url, hostname: 'web-01', blockCommands: ['nftables'], timeoutMs })

function startWorker(over: Partial<OutboxWorkerOptions> = {}, n: Notifier = slackNotifier()): OutboxWorker {
  worker = createOutboxWorker({
    store,
    notifiers: new Map([['slack', n]]),
    log: log(),
    minIntervalMs: 50,
    backoffBaseMs: 50,
    random: () => 0.5,
    ...over,
  })
  worker.start()
  return worker
}

const alert = (i: number): Alert =>
  makeAlert('opened', { id: String(i), ip: `198.51.100.${i}`, ips: [`198.51.100.${i}`] })

function enqueue(alerts: Alert[]): void {
  store.transaction(() => {
    for (const a of alerts) store.outbox.enqueue(a, ['slack'], Date.now())
  })
  worker?.kick()
}

async function until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** How often each alert id shows up in what the channel actually shows. */
function deliveredIds(): Map<string, number> {
  const m = new Map<string, number>()
  for (const p of slack.delivered)
    for (const id of p.raw.matchAll(/alert `(\d+:opened:\d+)`/g))
      m.set(id[1] as string, (m.get(id[1] as string) ?? 0) + 1)
  return m
}

describe('outbox worker', () => {
  it('delivers an enqueued alert and marks it delivered', async () => {
    const w = startWorker()
    enqueue([alert(1)])
    await until(() => store.outbox.counts().delivered === 1)
    expect(slack.delivered).toHaveLength(1)
    expect(w.deliveredCount).toBe(1)
    expect(store.outbox.list()[0]?.deliveredAt).not.toBeNull()
  })

  it('waits as long as Retry-After says after a 429, then delivers once', async () => {
    slack.enqueue(reply.rateLimited(1))
    startWorker()
    enqueue([alert(1)])
    await until(() => store.outbox.counts().delivered === 1)
    const [first, second] = slack.posts
    expect(slack.posts).toHaveLength(2)
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950)
    expect(store.outbox.list()[0]?.attempts).toBe(2)
  })

  it('retries 5xx with back-off until it works', async () => {
    slack.enqueue(reply.serverError(500), reply.serverError(502), reply.serverError(503))
    startWorker()
    enqueue([alert(1)])
    await until(() => store.outbox.counts().delivered === 1)
    expect(slack.posts.map((p) => p.answered)).toEqual([500, 502, 503, 200])
    const gaps = slack.posts.slice(1).map((p, i) => p.at - (slack.posts[i]?.at ?? 0))
    // 50 ms base, doubling, jitter fixed at 0.75: 37, 75, 150 (plus the request itself)
    expect(gaps[2] ?? 0).toBeGreaterThan(gaps[0] ?? 0)
    expect(logs.join('')).not.toContain('fakeSlackSecret')
  })

  it('retries after a timeout', async () => {
    slack.enqueue(reply.hang())
    startWorker({}, slackNotifier(300))
    enqueue([alert(1)])
    await until(() => store.outbox.counts().delivered === 1)
    expect(slack.posts.map((p) => p.answered)).toEqual(['hang', 200])
  })

  it('keeps alerts as failed on a config error, says so once, retries later, and recovers', async () => {
    slack.enqueue(
      reply.error('channel_is_archived'),
      reply.error('channel_is_archived'),
      reply.error('channel_is_archived'),
    )
    startWorker({ configRetryMs: 300, configPauseMs: 300 })
    enqueue([alert(1), alert(2)])
    await until(() => store.outbox.counts().failed === 2)
    const meta = JSON.parse(store.getMeta(NOTIFY_ERRORS_KEY) ?? '[]') as Array<{ destination: string; error: string }>
    expect(meta).toEqual([
      {
        destination: 'slack',
        error: expect.stringContaining(
          'Slack answered channel_is_archived: the channel this webhook posts to was archived',
        ),
      },
    ])
    expect(store.getMeta(notifyErrorKey('slack'))).toContain('channel_is_archived')
    await until(() => store.outbox.counts().delivered === 2)
    expect(slack.posts.map((p) => p.answered)).toEqual([410, 410, 410, 200, 200])
    const loud = logs.filter((l) => l.includes('channel_is_archived') && l.includes('"level":50'))
    expect(loud).toHaveLength(1)
    expect(loud[0]).toContain('tried again every hour')
    expect(store.getMeta(NOTIFY_ERRORS_KEY)).toBe('[]')
    expect(store.getMeta(notifyErrorKey('slack'))).toBe('')
  })

  it('resends a refused message once as plain text', async () => {
    slack.enqueue(reply.error('invalid_blocks'))
    startWorker()
    enqueue([alert(1)])
    await until(() => store.outbox.counts().delivered === 1)
    const [rich, plain] = slack.posts
    expect(rich?.body).toHaveProperty('blocks')
    expect(plain?.body).not.toHaveProperty('blocks')
    expect(plain?.raw).toContain('198.51.100.1')
  })

  it('dead-letters with the reason when the plain text is refused too', async () => {
    slack.enqueue(reply.error('invalid_blocks'), reply.error('no_text'))
    startWorker()
    enqueue([alert(1)])
    await until(() => store.outbox.counts().dead === 1)
    const row = store.outbox.list(['dead'])[0]
    expect(row?.lastError).toContain('invalid_blocks')
    expect(row?.lastError).toContain('plain text too: Slack answered no_text')
    await new Promise((r) => setTimeout(r, 200))
    expect(slack.posts).toHaveLength(2)
    // `lookout outbox retry` brings it back
    expect(store.outbox.retry(row?.id ?? 0, Date.now())).toBe(1)
    worker?.kick()
    await until(() => store.outbox.counts().delivered === 1)
  })

  it('never sends more than one message per second to a destination', async () => {
    startWorker({ minIntervalMs: 1000, digestAfter: 100 })
    enqueue([alert(1), alert(2), alert(3), alert(4)])
    await until(() => store.outbox.counts().delivered === 4, 15_000)
    const at = slack.posts.map((p) => p.at)
    expect(at).toHaveLength(4)
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(1000)
  })

  it('turns a burst into one digest', async () => {
    startWorker({ digestAfter: 5 })
    enqueue([alert(1)])
    await until(() => store.outbox.counts().delivered === 1)
    enqueue(Array.from({ length: 39 }, (_, i) => alert(i + 2)))
    await until(() => store.outbox.counts().delivered === 40)
    expect(slack.posts).toHaveLength(2)
    expect(slack.posts[1]?.problems).toEqual([])
    expect(slack.posts[1]?.raw).toContain('39 alerts at once')
    expect(slack.posts[1]?.raw).toContain('`198.51.100.40`')
    expect(worker?.stats()).toMatchObject({ delivered: 40, messages: 2, digests: 1 })
  })

  it('after a restart delivers what was pending, and nothing twice', async () => {
    const alerts = Array.from({ length: 6 }, (_, i) => alert(i + 1))
    // first life: two go out, then Slack has an outage and the process dies
    slack.enqueue(reply.ok(), reply.ok())
    slack.setDefault(reply.serverError(500))
    const w1 = startWorker({ digestAfter: 100 })
    enqueue(alerts)
    await until(() => slack.posts.length >= 4)
    await w1.stop()
    store.close()
    expect(deliveredIds().size).toBe(2)

    // second life: same file, Slack is back
    slack.setDefault(reply.ok())
    store = openSqliteStore(file)
    startWorker({ digestAfter: 100 })
    await until(() => store.outbox.counts().delivered === 6)
    await worker?.stop()
    store.close()

    // third life: nothing left to send
    const before = slack.posts.length
    store = openSqliteStore(file)
    startWorker({ digestAfter: 100 })
    await new Promise((r) => setTimeout(r, 300))
    expect(slack.posts.length).toBe(before)
    const ids = deliveredIds()
    expect([...ids.keys()].sort()).toEqual(alerts.map((a) => a.id).sort())
    expect([...ids.values()].every((n) => n === 1)).toBe(true)
  })

  it('stop() lets an in-flight request finish and records it', async () => {
    slack.enqueue(reply.hang())
    const w = startWorker({}, slackNotifier(400))
    enqueue([alert(1)])
    await slack.waitForPosts(1, 5000)
    await w.stop()
    expect(store.outbox.list()[0]?.attempts).toBe(1)
    expect(store.outbox.counts().pending).toBe(1)
  })
})
