import { DeliveryError } from '../../core/errors.js'
import type { HttpAnswer } from '../http.js'

/** Slack's error strings (slack-reference.md, "Error handling"), with what to tell the operator. */
const RETRY = new Set([
  'ratelimited',
  'rate_limited',
  'rollup_error',
  'service_unavailable',
  'request_timeout',
  'internal_error',
  'fatal_error',
  'update_failed',
  'team_added_to_org',
])

const PAYLOAD = new Set([
  'invalid_payload',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'invalid_arguments',
  'metadata_too_large',
])

const WEBHOOK_GONE =
  'the webhook was revoked or disabled, or its Slack app was removed; create a new incoming webhook and put its URL in notify.slack.webhook_url'
const CHANNEL_GONE = 'the channel this webhook posts to no longer exists; create a new webhook for another channel'
const ARCHIVED =
  'the channel this webhook posts to was archived; create a new webhook for another channel (or unarchive it)'
const POLICY =
  'a workspace admin policy stops this webhook from posting there; ask a Slack admin, or create a webhook for another channel'
const TOKEN =
  'the token is missing, revoked or lacks a scope; fix the token or its scopes, or invite the app to the channel'

const CONFIG: Record<string, string> = {
  invalid_token: WEBHOOK_GONE,
  no_service: WEBHOOK_GONE,
  no_service_id: WEBHOOK_GONE,
  no_active_hooks: WEBHOOK_GONE,
  no_team: WEBHOOK_GONE,
  team_disabled: 'the Slack workspace is disabled; create a webhook in an active workspace',
  channel_not_found: CHANNEL_GONE,
  user_not_found: CHANNEL_GONE,
  channel_is_archived: ARCHIVED,
  is_archived: ARCHIVED,
  is_inactive: 'the channel or workspace is inactive; create a new webhook for an active channel',
  action_prohibited: POLICY,
  posting_to_general_channel_denied: 'only admins may post in #general; create the webhook for another channel',
  ekm_access_denied: POLICY,
  not_authed: TOKEN,
  invalid_auth: TOKEN,
  account_inactive: TOKEN,
  token_revoked: TOKEN,
  token_expired: TOKEN,
  missing_scope: TOKEN,
  no_permission: TOKEN,
  not_allowed_token_type: TOKEN,
  access_denied: TOKEN,
  not_in_channel: TOKEN,
}

/** The error string in a webhook answer: the plain body (`invalid_token`) or `{"ok":false,"error":"…"}`. */
export function slackErrorString(body: string): string {
  const t = body.trim()
  if (t.startsWith('{')) {
    try {
      const j = JSON.parse(t) as { ok?: unknown; error?: unknown }
      if (j.ok === true) return 'ok'
      if (typeof j.error === 'string') return j.error
    } catch {
      /* not JSON after all */
    }
  }
  return (t.split('\n')[0] ?? '').slice(0, 100)
}

/** Plain words for an error string, for `lookout test-alert` and the log. */
export function explainSlackError(error: string): string | undefined {
  if (error in CONFIG) return CONFIG[error]
  if (error.startsWith('restricted_action')) return POLICY
  if (PAYLOAD.has(error))
    return 'Slack refused the message format (a lookout bug: please report it with `lookout outbox --json`)'
  return undefined
}

const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)

/**
 * Classifies a webhook answer: body string first, then status (slack-reference.md). Returns nothing on success,
 * else the DeliveryError to throw.
 */
export function classifySlackAnswer(a: HttpAnswer): DeliveryError | undefined {
  const err = slackErrorString(a.body)
  if (a.status >= 200 && a.status < 300 && (err === 'ok' || err === '' || !(err in CONFIG || PAYLOAD.has(err)))) {
    return undefined
  }
  if (a.status === 429 || err === 'ratelimited' || err === 'rate_limited') {
    return new DeliveryError(
      `Slack is rate limiting (HTTP ${a.status} ${printable(err)})`,
      'retry',
      a.retryAfterMs ?? 60_000,
    )
  }
  if (RETRY.has(err))
    return new DeliveryError(`Slack answered ${err}: a hiccup on Slack's side; retrying`, 'retry', a.retryAfterMs)
  const why = explainSlackError(err)
  if (PAYLOAD.has(err)) return new DeliveryError(`Slack answered ${err}: ${why}`, 'payload')
  if (why !== undefined) return new DeliveryError(`Slack answered ${err}: ${why}`, 'config')
  if (a.status >= 500 || a.status === 408) {
    return new DeliveryError(
      `Slack answered HTTP ${a.status}: a problem on Slack's side; retrying`,
      'retry',
      a.retryAfterMs,
    )
  }
  return new DeliveryError(
    `Slack answered HTTP ${a.status} ${printable(err) || '(empty body)'}: not an answer lookout knows; check the webhook URL`,
    'config',
  )
}
