import type { Alert, Severity } from '../../core/types.js'
import type { BlockCommand, Templates } from '../config.js'
import { DEFAULT_TIMEOUT_MS, postJson } from '../http.js'
import type { Notifier } from '../notifier.js'
import type { SlackPayload } from './blocks.js'
import { classifySlackAnswer } from './errors.js'
import { renderPlainDigest, renderPlainMessage, renderSlackDigest, renderSlackMessage } from './render.js'

export interface SlackWebhookOptions {
  /** the incoming webhook URL: a secret, never logged */
  url: string
  hostname: string
  blockCommands: readonly BlockCommand[]
  templates?: Templates | undefined
  mentionOn?: readonly Severity[] | undefined
  timeoutMs?: number
  pacing?: Notifier['pacing']
  /** the outbox destination name (default 'slack') */
  destination?: string
}

/** Sends one payload; throws DeliveryError classified by Slack's answer. */
export type SlackSender = (payload: SlackPayload) => Promise<void>

export function createSlackSender(url: string, timeoutMs = DEFAULT_TIMEOUT_MS): SlackSender {
  return async (payload) => {
    const answer = await postJson(url, JSON.stringify(payload), {}, 'Slack', timeoutMs)
    const err = classifySlackAnswer(answer)
    if (err) throw err
  }
}

/** Slack through an incoming webhook: one Block Kit message per alert, digests for bursts. */
export function createSlackWebhookNotifier(opts: SlackWebhookOptions): Notifier & { sendPayload: SlackSender } {
  const sendPayload = createSlackSender(opts.url, opts.timeoutMs)
  const render = {
    hostname: opts.hostname,
    blockCommands: opts.blockCommands,
    templates: opts.templates,
    mentionOn: opts.mentionOn,
  }
  return {
    destination: opts.destination ?? 'slack',
    label: 'Slack',
    ...(opts.pacing ? { pacing: opts.pacing } : {}),
    sendPayload,
    send: (alert: Alert) => sendPayload(renderSlackMessage(alert, render)),
    sendDigest: (alerts: Alert[]) => sendPayload(renderSlackDigest(alerts, render)),
    sendPlain: (alerts: Alert[]) =>
      sendPayload(alerts.length === 1 && alerts[0] ? renderPlainMessage(alerts[0], render) : renderPlainDigest(alerts)),
  }
}
