import { createHmac } from 'node:crypto'
import type { Clock } from '../../core/clock.js'
import { DeliveryError } from '../../core/errors.js'
import type { Alert } from '../../core/types.js'
import { DEFAULT_TIMEOUT_MS, type HttpAnswer, postJson } from '../http.js'
import type { Notifier } from '../notifier.js'

export interface GenericWebhookOptions {
  pacing?: Notifier['pacing']
  /** outbox destination, 'webhook:<name>' */
  destination: string
  url: string
  /** HMAC-SHA256 key for X-Lookout-Signature; already read from secret_file */
  secret?: string | undefined
  headers?: Record<string, string> | undefined
  hostname: string
  clock?: Clock
  timeoutMs?: number
}

/**
 * The JSON a generic webhook receives. `sent_at` (unix seconds) is inside the signed body, and repeated in the
 * X-Lookout-Timestamp header, so a receiver can reject replays without trusting an unsigned header.
 */
export interface WebhookBody {
  type: 'lookout.alert' | 'lookout.digest'
  sent_at: number
  hostname: string
  alerts: Alert[]
}

/** `sha256=<hex>` over the raw body. */
export const signBody = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

function classify(a: HttpAnswer, label: string): DeliveryError | undefined {
  if (a.status >= 200 && a.status < 300) return undefined
  const body = a.body.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)
  if (a.status === 429)
    return new DeliveryError(`${label} is rate limiting (HTTP 429)`, 'retry', a.retryAfterMs ?? 60_000)
  if (a.status >= 500 || a.status === 408)
    return new DeliveryError(`${label} answered HTTP ${a.status}; retrying`, 'retry', a.retryAfterMs)
  if (a.status === 400 || a.status === 413 || a.status === 422) {
    return new DeliveryError(`${label} refused the body: HTTP ${a.status} ${body}`, 'payload')
  }
  return new DeliveryError(
    `${label} answered HTTP ${a.status} ${body}: check its URL, headers and secret in notify.webhooks`,
    'config',
  )
}

/** POSTs alerts as JSON to any HTTP endpoint, optionally signed. */
export function createWebhookNotifier(opts: GenericWebhookOptions): Notifier {
  const label = `webhook ${opts.destination.replace(/^webhook:/, '')}`
  const now = () => (opts.clock ?? { now: () => Date.now() }).now()
  const post = async (type: WebhookBody['type'], alerts: Alert[]): Promise<void> => {
    const sentAt = Math.floor(now() / 1000)
    const payload: WebhookBody = { type, sent_at: sentAt, hostname: opts.hostname, alerts }
    const body = JSON.stringify(payload)
    const headers: Record<string, string> = { ...opts.headers, 'x-lookout-timestamp': String(sentAt) }
    if (opts.secret) headers['x-lookout-signature'] = signBody(opts.secret, body)
    const err = classify(await postJson(opts.url, body, headers, label, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS), label)
    if (err) throw err
  }
  return {
    destination: opts.destination,
    label,
    ...(opts.pacing ? { pacing: opts.pacing } : {}),
    send: (alert) => post('lookout.alert', [alert]),
    sendDigest: (alerts) => post('lookout.digest', alerts),
    sendPlain: (alerts) => post(alerts.length === 1 ? 'lookout.alert' : 'lookout.digest', alerts),
  }
}
