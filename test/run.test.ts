/**
 * `lookout run` as a real process: a tailed file, a real SQLite store, a local Slack that has an outage,
 * kill -9, restart, SIGHUP with a broken config, SIGTERM. (Real web servers are in test/e2e.)
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LookoutRun, lookoutStatus, startLookout } from './e2e/lookout-process.js'
import { type FakeSlack, reply, startFakeSlack } from './helpers/fake-slack.js'

const dir = mkdtempSync(join(tmpdir(), 'lookout-run-'))
const log = join(dir, 'shop.access.log')
const config = join(dir, 'lookout.yml')
let slack: FakeSlack
let run: LookoutRun | undefined

const stamp = (d: Date): string => {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${m}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}
const failedLogin = (ip: string) =>
  `${ip} - - [${stamp(new Date())}] "POST /wp-login.php HTTP/1.1" 200 4523 "-" "python-requests/2.31"`
const pageView = (ip: string) => `${ip} - - [${stamp(new Date())}] "GET /shop/ HTTP/1.1" 200 9120 "-" "Mozilla/5.0"`
const append = (lines: string[]) => appendFileSync(log, `${lines.join('\n')}\n`)
let written = 0
const appendCounted = (lines: string[]) => {
  append(lines)
  written += lines.length
}

const writeConfig = (extra = '') =>
  writeFileSync(
    config,
    [
      `state_dir: ${join(dir, 'state')}`,
      'hostname: web-01',
      'sources:',
      `  - path: ${log}`,
      '    format: combined',
      '    site: shop.example',
      // the file is empty when lookout starts; from the beginning, lines appended before the tailer opened it count too
      '    start_at: beginning',
      'team:',
      '  members: [{ name: Ada, slack: U0ADA0001 }]',
      'notify:',
      '  slack:',
      '    webhook_url: ${SLACK_URL}',
      extra,
    ].join('\n'),
  )

const env = () => ({ SLACK_URL: slack.url })

beforeAll(async () => {
  slack = await startFakeSlack()
  writeFileSync(log, '')
  writeConfig()
})
afterAll(async () => {
  await run?.crash()
  await slack.close()
})

describe('lookout run', () => {
  it('alerts once per attacker, survives a Slack outage and kill -9, and counts every line', async () => {
    run = await startLookout(config, env())
    slack.setDefault(reply.serverError(503, 'service_unavailable'))
    appendCounted([pageView('198.51.100.20'), ...Array.from({ length: 6 }, () => failedLogin('203.0.113.9'))])
    await slack.waitFor((p) => p.raw.includes('203.0.113.9'), 10_000) // tried, and Slack said 503
    await run.crash()

    // while lookout is down, more lines arrive; then Slack comes back and lookout restarts
    appendCounted([pageView('198.51.100.21'), failedLogin('203.0.113.9')])
    slack.setDefault(reply.ok())
    run = await startLookout(config, env())
    const post = await slack.waitFor((p) => p.answered === 200 && p.raw.includes('203.0.113.9'), 15_000)
    expect(post.raw).toContain('<@U0ADA0001>')
    expect(post.raw).toContain('shop.example')
    expect(post.problems).toEqual([])

    // a second attacker while running
    appendCounted(Array.from({ length: 5 }, () => failedLogin('192.0.2.77')))
    await slack.waitFor((p) => p.answered === 200 && p.raw.includes('192.0.2.77'), 10_000)
    await new Promise((r) => setTimeout(r, 1500))
    const opened = slack.delivered.filter((p) => p.raw.includes('203.0.113.9') && !p.raw.includes('192.0.2.77'))
    expect(opened).toHaveLength(1)

    const status = lookoutStatus(config, env())
    expect(status.sources).toHaveLength(1)
    expect(status.sources[0]?.lines).toBe(written)
    expect(status.incidents.total).toBe(2)
    expect(status.outbox.pending).toBe(0)
  })

  it('sees an attack split by a kill -9 whole (detection windows refill after a restart)', async () => {
    if (!run?.alive()) run = await startLookout(config, env())
    const probe = (n: number) =>
      `${'198.18.5.5'} - - [${stamp(new Date())}] "GET /old-${n}.php HTTP/1.1" 404 162 "-" "scanner"`
    const seq = (from: number, count: number) => Array.from({ length: count }, (_, i) => probe(from + i))
    appendCounted(seq(0, 12))
    await new Promise((r) => setTimeout(r, 600)) // read and checkpointed
    await run.crash()
    appendCounted(seq(12, 8))
    run = await startLookout(config, env())
    appendCounted(seq(20, 10)) // 30 distinct 404s within a minute, across the crash
    const post = await slack.waitFor((p) => p.answered === 200 && p.raw.includes('198.18.5.5'), 10_000)
    expect(post.raw).toContain('404')
  })

  it('keeps running when SIGHUP brings a broken config, and stops on SIGTERM within 2 s', async () => {
    if (!run?.alive()) run = await startLookout(config, env())
    writeConfig('not_a_key: 1')
    run.child.kill('SIGHUP')
    await new Promise((r) => setTimeout(r, 500))
    expect(run.alive()).toBe(true)
    expect(run.stderr()).toMatch(/keeping the one that runs/)
    expect(run.stderr()).toMatch(/not_a_key/)
    writeConfig()
    const { code, ms } = await run.stop()
    expect(code).toBe(0)
    expect(ms).toBeLessThan(2000)
  })
})
