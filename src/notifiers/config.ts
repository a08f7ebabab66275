import { z } from 'zod'
import { parseDuration } from '../detectors/duration.js'

/** Where an alert can be delivered: the outbox keys its rows by these names, so they must stay stable. */
export const BLOCK_COMMANDS = ['nftables', 'iptables', 'ufw', 'csf', 'nginx'] as const
export type BlockCommand = (typeof BLOCK_COMMANDS)[number]

const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const

/** `500ms`, `1s`, `2m`, `1h`, `0ms` → milliseconds; undefined when not a duration (the one duration syntax of the config). */
export function parseInterval(s: string): number | undefined {
  return parseDuration(s.trim()) ?? undefined
}

const interval = (what: string) =>
  z
    .string()
    .refine((s) => parseInterval(s) !== undefined, { message: 'expected a duration like 500ms, 1s or 2m' })
    .transform((s) => parseInterval(s) ?? 0)
    .describe(what)

/** What kind of URL a Slack webhook setting holds. */
export type SlackUrlCheck = { ok: true; warning?: string } | { ok: false; error: string }

/**
 * Incoming webhooks live at hooks.slack.com/services/…; /triggers/ and /workflows/ are Workflow Builder
 * triggers that take flat string variables, not Block Kit (slack-reference.md, "Modes at a glance").
 * Other hosts are Slack-compatible servers (Mattermost, a local test server): accepted with a warning.
 */
export function checkSlackUrl(raw: string): SlackUrlCheck {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, error: 'not a URL (expected https://hooks.slack.com/services/T…/B…/…)' }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, error: `unsupported scheme ${url.protocol} (expected https:)` }
  }
  if (url.hostname === 'hooks.slack.com') {
    if (/^\/(triggers|workflows)\//.test(url.pathname)) {
      return {
        ok: false,
        error:
          'this is a Workflow Builder trigger URL, not an incoming webhook; create an incoming webhook ' +
          '(Slack app → Incoming Webhooks) and use its https://hooks.slack.com/services/… URL',
      }
    }
    if (!url.pathname.startsWith('/services/')) {
      return { ok: false, error: 'an incoming webhook URL looks like https://hooks.slack.com/services/T…/B…/…' }
    }
    if (url.protocol !== 'https:') return { ok: false, error: 'Slack webhooks need https:' }
    return { ok: true }
  }
  return {
    ok: true,
    warning: `${url.host} is not hooks.slack.com; lookout will post Slack-formatted messages to it (fine for Mattermost or a test server)`,
  }
}

/**
 * A URL safe to print (`lookout check`, logs): scheme, host and the first path segment; the rest, which holds
 * the secret for Slack webhooks, is masked. Userinfo and query strings are dropped.
 */
export function maskUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return '(not a URL)'
  }
  const segs = url.pathname.split('/').filter(Boolean)
  const first = segs[0] ? `/${segs[0]}` : ''
  const rest = segs.length > 1 || url.search ? '/…' : ''
  return `${url.protocol}//${url.host}${first}${rest}`
}

const templates = z
  .strictObject({
    opened: z
      .string()
      .max(1000)
      .optional()
      .describe(
        'The summary line of a new incident (Slack mrkdwn). Placeholders: {attacker} {ip} {sites} {site_count} {attempts} {span} {severity} {incident} {rules} {hostname}',
      ),
    escalated: z.string().max(1000).optional().describe('The summary line when an incident grows (same placeholders)'),
    resolved: z
      .string()
      .max(1000)
      .optional()
      .describe('The summary line when an incident goes quiet (same placeholders)'),
    summary: z
      .string()
      .max(1000)
      .optional()
      .describe('The first line of a digest of many alerts. Placeholders: {count} {hostname}'),
  })
  .describe('Your own wording for the messages; leave out to keep the friendly defaults')

export const slackConfig = z
  .strictObject({
    webhook_url: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The incoming webhook URL (https://hooks.slack.com/services/…). A secret: prefer an environment variable or webhook_url_file',
      ),
    webhook_url_file: z
      .string()
      .min(1)
      .optional()
      .describe('A file holding the webhook URL (read when lookout starts, whitespace trimmed)'),
    block_commands: z
      .array(z.enum(BLOCK_COMMANDS))
      .default(['nftables', 'ufw'])
      .describe('Which ready-to-copy block commands the alert suggests'),
    templates: templates.optional(),
    mention_on: z
      .array(z.enum(SEVERITIES))
      .default(['medium', 'high', 'critical'])
      .describe(
        'Severities at which the person who should act is @-mentioned; below them the name is shown without a ping. [] never pings',
      ),
  })
  .superRefine((v, ctx) => {
    if (v.webhook_url === undefined && v.webhook_url_file === undefined) {
      ctx.addIssue({ code: 'custom', message: 'set webhook_url or webhook_url_file' })
    }
    if (v.webhook_url !== undefined && v.webhook_url_file !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'set webhook_url or webhook_url_file, not both' })
    }
    if (v.webhook_url !== undefined) {
      const c = checkSlackUrl(v.webhook_url)
      if (!c.ok) ctx.addIssue({ code: 'custom', path: ['webhook_url'], message: c.error })
    }
  })
  .describe('Post alerts to a Slack channel through an incoming webhook')

export const webhookConfig = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, - and _')
      .optional()
      .describe('A short name for this destination in `lookout outbox` (default: its position, 0, 1, …)'),
    url: z.url({ protocol: /^https?$/ }).describe('Where to POST each alert as JSON'),
    secret: z
      .string()
      .min(1)
      .optional()
      .describe('Signs each body: X-Lookout-Signature: sha256=<hex HMAC-SHA256 of the raw body>'),
    secret_file: z.string().min(1).optional().describe('A file holding the secret (read at start, trimmed)'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string())
      .optional()
      .describe('Extra request headers, e.g. Authorization'),
  })
  .refine((v) => !(v.secret !== undefined && v.secret_file !== undefined), {
    message: 'set secret or secret_file, not both',
  })
  .describe('A generic JSON webhook for other tools')

export const notifyConfig = z
  .strictObject({
    slack: slackConfig.optional(),
    webhooks: z.array(webhookConfig).default([]).describe('Generic JSON webhooks'),
    console: z
      .boolean()
      .optional()
      .describe("Print alerts on lookout's standard output (default: on when no other notifier is configured)"),
    min_interval: interval(
      'At most one message per this interval to each destination (Slack asks for 1 per second)',
    ).prefault('1s'),
    digest_after: z
      .int()
      .min(2)
      .default(5)
      .describe('When this many alerts wait for one destination at once, send a single digest message instead'),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>()
    v.webhooks.forEach((w, i) => {
      const id = w.name ?? String(i)
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `duplicate name ${id}` })
      seen.add(id)
    })
  })
  .prefault({})
  .describe('Where alerts go: Slack, generic webhooks, the console')

export type NotifyConfig = z.output<typeof notifyConfig>
export type SlackConfig = z.output<typeof slackConfig>
export type WebhookConfig = z.output<typeof webhookConfig>
export type Templates = NonNullable<SlackConfig['templates']>
