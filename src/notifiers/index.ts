/**
 * The notifiers, from config: which destinations exist (the pipeline enqueues one outbox row per destination),
 * the notifier for each (the outbox worker sends through them), and `lookout test-alert`.
 */
import { readFileSync } from 'node:fs'
import { hostname as osHostname } from 'node:os'
import { ConfigError, DeliveryError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import type { Alert, DutyPerson, Incident } from '../core/types.js'
import { checkSlackUrl, maskUrl, type NotifyConfig } from './config.js'
import { type ConsoleOptions, createConsoleNotifier } from './console/console.js'
import type { Notifier } from './notifier.js'
import { createSlackWebhookNotifier } from './slack/webhook.js'
import { createWebhookNotifier } from './webhook/webhook.js'

export { maskUrl, type NotifyConfig, notifyConfig } from './config.js'
export type { Notifier } from './notifier.js'
export { createOutboxWorker, notifyErrorKey, type OutboxWorker, type OutboxWorkerOptions } from './outbox-worker.js'
export { renderSlackDigest, renderSlackMessage } from './slack/render.js'
export { validateSlackPayload } from './slack/validate.js'

export interface CreateNotifiersOptions {
  /** this server's name in messages (default: os.hostname()) */
  hostname?: string | undefined
  /** where the console notifier writes (default process.stdout) */
  out?: ConsoleOptions['out']
  /** request timeout (default 10 s) */
  timeoutMs?: number
}

/** The `notify` section, or the whole config (then its `hostname` is used too). */
export type NotifyInput = NotifyConfig | { readonly notify: NotifyConfig; readonly hostname?: string | undefined }

const notifyOf = (c: NotifyInput): NotifyConfig => ('notify' in c ? c.notify : c)
const hostOf = (c: NotifyInput, opts: CreateNotifiersOptions): string =>
  opts.hostname ?? ('notify' in c ? c.hostname : undefined) ?? osHostname()

const webhookId = (w: { name?: string | undefined }, i: number): string => `webhook:${w.name ?? i}`

/** The outbox destinations the config names, in a stable order: 'slack', 'webhook:<name|index>', 'console'. */
export function destinationsFor(input: NotifyInput): string[] {
  const config = notifyOf(input)
  const out: string[] = []
  if (config.slack) out.push('slack')
  config.webhooks.forEach((w, i) => {
    out.push(webhookId(w, i))
  })
  if (config.console ?? out.length === 0) out.push('console')
  return out
}

function readSecretFile(file: string, path: string): string {
  try {
    const v = readFileSync(file, 'utf8').trim()
    if (!v) throw new Error('the file is empty')
    return v
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message
    throw new ConfigError([{ file: '<config>', line: 0, column: 0, path, message: `cannot read ${file}: ${why}` }], {
      cause: err,
    })
  }
}

/**
 * Builds one notifier per destination (phase 2 of the config: reads `*_file` secrets). Throws ConfigError when a
 * file cannot be read or a Slack URL is not an incoming webhook; warns (without the URL) for non-Slack hosts.
 */
export function createNotifiers(
  input: NotifyInput,
  log: Logger,
  opts: CreateNotifiersOptions = {},
): Map<string, Notifier> {
  const config = notifyOf(input)
  const host = hostOf(input, opts)
  const pacing = { minIntervalMs: config.min_interval, digestAfter: config.digest_after }
  const map = new Map<string, Notifier>()
  const slack = config.slack
  if (slack) {
    const url = slack.webhook_url ?? readSecretFile(slack.webhook_url_file ?? '', 'notify.slack.webhook_url_file')
    const check = checkSlackUrl(url)
    if (!check.ok) {
      const path = slack.webhook_url ? 'notify.slack.webhook_url' : 'notify.slack.webhook_url_file'
      throw new ConfigError([{ file: '<config>', line: 0, column: 0, path, message: check.error }])
    }
    if (check.warning) log.warn({ target: maskUrl(url) }, `notify.slack: ${check.warning}.`)
    map.set(
      'slack',
      createSlackWebhookNotifier({
        pacing,
        url,
        hostname: host,
        blockCommands: slack.block_commands,
        templates: slack.templates,
        mentionOn: slack.mention_on,
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      }),
    )
  }
  config.webhooks.forEach((w, i) => {
    const destination = webhookId(w, i)
    const secret =
      w.secret ?? (w.secret_file ? readSecretFile(w.secret_file, `notify.webhooks[${i}].secret_file`) : undefined)
    map.set(
      destination,
      createWebhookNotifier({
        pacing,
        destination,
        url: w.url,
        secret,
        headers: w.headers,
        hostname: host,
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      }),
    )
  })
  if (destinationsFor(config).includes('console')) {
    map.set('console', createConsoleNotifier({ pacing, ...(opts.out ? { out: opts.out } : {}) }))
  }
  return map
}

/** A made-up incident for `lookout test-alert` and the docs: TEST-NET addresses, example sites. */
export function sampleAlert(now: number, duty: DutyPerson | null = null): Alert {
  const incident: Incident = {
    id: 'test',
    kind: 'ip',
    ip: '203.0.113.7',
    subnet: null,
    ips: ['203.0.113.7'],
    sites: { 'shop.example.com': 31, 'blog.example.org': 17, 'example.net': 9 },
    rules: ['wp-login-bruteforce'],
    attempts: 57,
    firstSeen: now - 4 * 60_000,
    lastSeen: now,
    severity: 'medium',
    status: 'open',
    step: 'opened',
    samples: [
      '203.0.113.7 - - "POST /wp-login.php HTTP/1.1" 200 4120 "-" "Mozilla/5.0"',
      '203.0.113.7 - - "POST /xmlrpc.php HTTP/1.1" 200 370 "-" "Mozilla/5.0"',
    ],
    userAgents: { 'Mozilla/5.0': 57 },
    users: ['admin'],
    duty,
  }
  return { id: 'test:opened:1', incidentId: 'test', step: 'opened', createdAt: now, incident }
}

const TEST_TEMPLATE =
  'This is a test from lookout :wave: A real alert looks like this: someone at {attacker} is {activity} on {sites}: {attempts} tries in {span}.'

export interface TestAlertResult {
  destination: string
  ok: boolean
  message: string
}

/**
 * `lookout test-alert`: renders the sample alert and sends it straight through every configured notifier
 * (not through the outbox), reporting each result in plain words. Throws ConfigError like createNotifiers.
 */
export async function sendTestAlert(
  input: NotifyInput,
  log: Logger,
  opts: CreateNotifiersOptions & { duty?: DutyPerson | null; now?: number } = {},
): Promise<TestAlertResult[]> {
  const config = notifyOf(input)
  const withTest: NotifyConfig = config.slack
    ? { ...config, slack: { ...config.slack, templates: { ...config.slack.templates, opened: TEST_TEMPLATE } } }
    : config
  const notifiers = createNotifiers(withTest, log, { ...opts, hostname: hostOf(input, opts) })
  const alert = sampleAlert(opts.now ?? Date.now(), opts.duty ?? null)
  const results: TestAlertResult[] = []
  for (const [destination, n] of notifiers) {
    try {
      await n.send(alert)
      results.push({ destination, ok: true, message: `${n.label} accepted the sample alert.` })
    } catch (err) {
      const message =
        err instanceof DeliveryError
          ? `${err.message}${err.kind === 'retry' ? ' (lookout would keep retrying a real alert)' : ''}`
          : `could not send: ${(err as Error).message}`
      results.push({ destination, ok: false, message })
    }
  }
  return results
}
