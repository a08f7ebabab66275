import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../core/errors.js'
import { notifyConfig } from './config.js'
import { createConsoleNotifier } from './console/console.js'
import { createNotifiers, destinationsFor, sendTestAlert } from './index.js'
import { hostileIncident, makeAlert } from './testdata/alerts.js'
import { type FakeSlack, reply, startFakeSlack } from './testdata/fake-slack.js'
import { createWebhookNotifier } from './webhook/webhook.js'

let dir: string
let slack: FakeSlack
let logs: string[]
const log = () => pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) })

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-notify-'))
  slack = await startFakeSlack()
  logs = []
})
afterEach(async () => {
  await slack.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('destinationsFor', () => {
  it('falls back to the console when nothing else is configured', () => {
    expect(destinationsFor(notifyConfig.parse({}))).toEqual(['console'])
    const c = notifyConfig.parse({
      slack: { webhook_url: 'https://hooks.slack.com/services/a/b/c' },
      webhooks: [{ url: 'https://a.example/' }, { url: 'https://b.example/', name: 'ops' }],
    })
    expect(destinationsFor(c)).toEqual(['slack', 'webhook:0', 'webhook:ops'])
    expect(destinationsFor({ ...c, console: true })).toEqual(['slack', 'webhook:0', 'webhook:ops', 'console'])
  })
})

describe('createNotifiers', () => {
  it('reads the webhook URL from a file and warns (without the URL) about a non-Slack host', async () => {
    const f = join(dir, 'slack-url')
    writeFileSync(f, `${slack.url}\n`)
    const n = createNotifiers(
      { notify: notifyConfig.parse({ slack: { webhook_url_file: f } }), hostname: 'web-07' },
      log(),
    )
    expect([...n.keys()]).toEqual(['slack'])
    await n.get('slack')?.send(makeAlert())
    expect(slack.posts[0]?.raw).toContain('lookout on `web-07`')
    expect(logs.join('')).toContain('is not hooks.slack.com')
    expect(logs.join('')).not.toContain('fakeSlackSecret')
  })

  it('says which file cannot be read, and refuses a Workflow URL found in a file', () => {
    const missing = notifyConfig.parse({ slack: { webhook_url_file: join(dir, 'nope') } })
    expect(() => createNotifiers(missing, log())).toThrow(
      /notify\.slack\.webhook_url_file: cannot read .*nope: no such file/,
    )
    const f = join(dir, 'wf')
    writeFileSync(f, 'https://hooks.slack.com/triggers/T1/1/abc')
    expect(() => createNotifiers(notifyConfig.parse({ slack: { webhook_url_file: f } }), log())).toThrow(ConfigError)
  })
})

describe('sendTestAlert', () => {
  it('reports each destination in plain words', async () => {
    const cfg = notifyConfig.parse({ slack: { webhook_url: slack.url }, console: true })
    const out: string[] = []
    const ok = await sendTestAlert(cfg, log(), { out: { write: (s: string) => out.push(s) } })
    expect(ok).toEqual([
      { destination: 'slack', ok: true, message: 'Slack accepted the sample alert.' },
      { destination: 'console', ok: true, message: 'the console accepted the sample alert.' },
    ])
    expect(slack.posts[0]?.raw).toContain('This is a test from lookout')
    expect(slack.posts[0]?.problems).toEqual([])
    expect(out.join('')).toContain('203.0.113.7')

    slack.enqueue(reply.error('channel_is_archived'))
    const [bad] = await sendTestAlert({ ...cfg, console: false }, log())
    expect(bad).toEqual({
      destination: 'slack',
      ok: false,
      message:
        'Slack answered channel_is_archived: the channel this webhook posts to was archived; create a new webhook for another channel (or unarchive it)',
    })
  })
})

describe('generic webhook', () => {
  it('posts the alert as JSON, signed over the raw body, with extra headers', async () => {
    const hooks = await startFakeSlack({ validate: false })
    try {
      const n = createWebhookNotifier({
        destination: 'webhook:ops',
        url: hooks.url,
        secret: 's3cret',
        headers: { Authorization: 'Bearer t' },
        hostname: 'web-01',
        clock: { now: () => 1_767_225_600_000 },
      })
      await n.send(makeAlert())
      const p = hooks.posts[0]
      const raw = p?.raw ?? ''
      expect(p?.headers['x-lookout-signature']).toBe(
        `sha256=${createHmac('sha256', 's3cret').update(raw).digest('hex')}`,
      )
      expect(p?.headers['x-lookout-timestamp']).toBe('1767225600')
      expect(p?.headers.authorization).toBe('Bearer t')
      expect(JSON.parse(raw)).toMatchObject({
        type: 'lookout.alert',
        sent_at: 1767225600,
        alerts: [{ id: '12:opened:1' }],
      })
      hooks.enqueue({ kind: 'answer', status: 401, body: 'nope' }, { kind: 'answer', status: 503, body: '' })
      await expect(n.send(makeAlert())).rejects.toMatchObject({ kind: 'config' })
      await expect(n.send(makeAlert())).rejects.toMatchObject({ kind: 'retry' })
    } finally {
      await hooks.close()
    }
  })
})

describe('console notifier', () => {
  it('is plain when not a TTY and cannot be steered by log text', async () => {
    const out: string[] = []
    const n = createConsoleNotifier({ out: { write: (s: string) => out.push(s), isTTY: false } })
    await n.send({ ...makeAlert(), incident: hostileIncident() })
    await n.sendDigest([makeAlert(), makeAlert('resolved')])
    const text = out.join('')
    expect(text).not.toContain('\u001b')
    expect(text).toContain('is trying passwords: 1,000,000,000,000 tries in 4 minutes')
    expect(text).toContain('2 alerts at once')
    expect(text).toContain('RESOLVED')
  })

  it('colours on a terminal', async () => {
    const out: string[] = []
    await createConsoleNotifier({ out: { write: (s: string) => out.push(s), isTTY: true }, color: true }).send(
      makeAlert(),
    )
    expect(out.join('')).toContain('\u001b[33mMEDIUM')
  })
})
