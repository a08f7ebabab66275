import type { Alert } from '../core/types.js'

/**
 * A way to tell people about alerts. Notifiers render and send, and classify failures by throwing
 * `DeliveryError` (kind 'retry' | 'config' | 'payload', optional retryAfterMs); they never retry or wait:
 * the outbox worker decides (design.md: "a notifier never decides retries").
 */
export interface Notifier {
  /** the outbox destination this notifier serves: 'slack', 'console', 'webhook:<name>' */
  readonly destination: string
  /** a human name for messages: "Slack", "webhook ops" */
  readonly label: string
  /** from notify.min_interval / notify.digest_after; the worker's own options win */
  readonly pacing?: { minIntervalMs: number; digestAfter: number }
  send(alert: Alert): Promise<void>
  /** many alerts at once as one message */
  sendDigest(alerts: Alert[]): Promise<void>
  /** the minimal text-only form, tried once after the rich form was refused as malformed */
  sendPlain(alerts: Alert[]): Promise<void>
}
