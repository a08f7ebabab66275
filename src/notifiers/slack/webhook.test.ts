import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DeliveryError } from '../../core/errors.js'
import { makeAlert } from '../testdata/alerts.js'
import { type FakeSlack, reply, startFakeSlack } from '../testdata/fake-slack.js'
import { createSlackWebhookNotifier } from './webhook.js'

let slack: FakeSlack
beforeEach(async () => {
  slack = await startFakeSlack()
})
afterEach(async () => {
  await slack.close()
})

const notifier = (timeoutMs = 10_000) =>
  createSlackWebhookNotifier({ url: slack.url, hostname: 'web-01', blockCommands: ['nftables'], timeoutMs })

async function failure(p: Promise<void>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DeliveryError)
  return err as DeliveryError
}

describe('Slack webhook notifier', () => {
  it('posts one valid Block Kit message as JSON', async () => {
    await notifier().send(makeAlert())
    expect(slack.posts).toHaveLength(1)
    const post = slack.posts[0]
    expect(post?.answered).toBe(200)
    expect(post?.problems).toEqual([])
    expect(post?.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(post?.raw).toContain('203.0.113.7')
  })

  it('classifies 429 as retry and honours Retry-After (60 s when missing)', async () => {
    slack.enqueue(reply.rateLimited(7), reply.rateLimited())
    const a = await failure(notifier().send(makeAlert()))
    expect([a.kind, a.retryAfterMs]).toEqual(['retry', 7000])
    const b = await failure(notifier().send(makeAlert()))
    expect([b.kind, b.retryAfterMs]).toEqual(['retry', 60_000])
  })

  it('classifies 5xx, Slack hiccups and resets as retry', async () => {
    slack.enqueue(
      reply.serverError(500),
      reply.serverError(503, 'service_unavailable'),
      reply.error('rollup_error'),
      reply.reset(),
    )
    for (let i = 0; i < 4; i++) expect((await failure(notifier().send(makeAlert()))).kind).toBe('retry')
  })

  it('gives up waiting after the timeout and calls it a retry', async () => {
    slack.enqueue(reply.hang())
    const e = await failure(notifier(300).send(makeAlert()))
    expect(e.kind).toBe('retry')
    expect(e.message).toBe('Slack did not answer within 300 ms')
  })

  it.each([
    ['invalid_token', 'create a new incoming webhook'],
    ['no_service', 'create a new incoming webhook'],
    ['no_service_id', 'create a new incoming webhook'],
    ['no_active_hooks', 'create a new incoming webhook'],
    ['no_team', 'create a new incoming webhook'],
    ['team_disabled', 'workspace is disabled'],
    ['channel_not_found', 'no longer exists'],
    ['user_not_found', 'no longer exists'],
    ['channel_is_archived', 'was archived; create a new webhook for another channel'],
    ['is_archived', 'was archived'],
    ['action_prohibited', 'admin policy'],
    ['posting_to_general_channel_denied', '#general'],
    ['restricted_action', 'admin policy'],
    ['ekm_access_denied', 'admin policy'],
  ])('treats %s as a config error with plain words', async (error, words) => {
    slack.enqueue(reply.error(error))
    const e = await failure(notifier().send(makeAlert()))
    expect(e.kind).toBe('config')
    expect(e.message).toContain(`Slack answered ${error}: `)
    expect(e.message).toContain(words)
    expect(e.message).not.toContain(slack.url)
    expect(e.message).not.toContain('fakeSlackSecret')
  })

  it.each([
    'invalid_payload',
    'invalid_blocks',
    'invalid_blocks_format',
    'msg_blocks_too_long',
    'msg_too_long',
    'no_text',
    'too_many_attachments',
  ])('treats %s as a payload error', async (error) => {
    slack.enqueue(reply.error(error))
    expect((await failure(notifier().send(makeAlert()))).kind).toBe('payload')
  })

  it('treats an unknown 4xx as config, showing status and body', async () => {
    slack.enqueue({ kind: 'answer', status: 418, body: 'teapot\u0007' })
    const e = await failure(notifier().send(makeAlert()))
    expect(e.kind).toBe('config')
    expect(e.message).toContain('HTTP 418 teapot?')
  })

  it('never follows a redirect', async () => {
    slack.enqueue(reply.redirect(`${slack.url}/elsewhere`))
    const e = await failure(notifier().send(makeAlert()))
    expect(e.kind).toBe('config')
    expect(e.message).toContain('redirect')
    expect(slack.posts).toHaveLength(1)
  })

  it('calls a refused connection a retry without naming the URL', async () => {
    const url = slack.url
    await slack.close()
    const n = createSlackWebhookNotifier({ url, hostname: 'h', blockCommands: [] })
    const e = await failure(n.send(makeAlert()))
    expect(e.kind).toBe('retry')
    expect(e.message).toMatch(/could not reach Slack: ECONNREFUSED/)
    expect(e.message).not.toContain('fakeSlackSecret')
    slack = await startFakeSlack()
  })
})
