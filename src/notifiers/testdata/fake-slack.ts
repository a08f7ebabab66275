/**
 * A local stand-in for Slack's incoming-webhook endpoint, on 127.0.0.1 port 0 (test helper; re-exported by
 * test/helpers/fake-slack.ts for end-to-end tests). It records every POST with its arrival time, answers `ok`
 * by default, checks what it receives against Block Kit's limits (answering `invalid_blocks` like Slack when a
 * payload is invalid), and can be scripted: 429 with Retry-After, 5xx, hangs, resets, and Slack's error bodies.
 *
 * It lives under src/…/testdata so that src tests can import it without leaving tsconfig's rootDir;
 * the build excludes testdata folders.
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { validateSlackPayload } from '../slack/validate.js'

export type FakeReply =
  | { kind: 'answer'; status: number; body: string; headers?: Record<string, string> }
  /** never answers (the client's timeout fires) */
  | { kind: 'hang' }
  /** closes the connection without an answer */
  | { kind: 'reset' }

/** The HTTP status Slack pairs with each error body. */
export const SLACK_ERROR_STATUS: Record<string, number> = {
  invalid_token: 403,
  no_service: 404,
  no_service_id: 400,
  no_active_hooks: 410,
  no_team: 404,
  team_disabled: 403,
  channel_not_found: 404,
  user_not_found: 404,
  channel_is_archived: 410,
  is_archived: 410,
  action_prohibited: 403,
  posting_to_general_channel_denied: 403,
  restricted_action: 403,
  ekm_access_denied: 403,
  invalid_payload: 400,
  invalid_blocks: 400,
  invalid_blocks_format: 400,
  msg_blocks_too_long: 400,
  msg_too_long: 400,
  no_text: 400,
  too_many_attachments: 400,
  rollup_error: 500,
  service_unavailable: 503,
}

export const reply = {
  ok: (): FakeReply => ({ kind: 'answer', status: 200, body: 'ok' }),
  /** 429 with `Retry-After: <seconds>` (Slack's body: rate_limited) */
  rateLimited: (retryAfterS?: number): FakeReply => ({
    kind: 'answer',
    status: 429,
    body: 'rate_limited',
    headers: retryAfterS === undefined ? {} : { 'retry-after': String(retryAfterS) },
  }),
  serverError: (status = 500, body = ''): FakeReply => ({ kind: 'answer', status, body }),
  /** one of Slack's error strings with its usual status (or `status`) */
  error: (error: string, status?: number): FakeReply => ({
    kind: 'answer',
    status: status ?? SLACK_ERROR_STATUS[error] ?? 400,
    body: error,
  }),
  redirect: (to: string): FakeReply => ({ kind: 'answer', status: 302, body: '', headers: { location: to } }),
  hang: (): FakeReply => ({ kind: 'hang' }),
  reset: (): FakeReply => ({ kind: 'reset' }),
}

export interface SlackPost {
  /** Date.now() when the whole body had arrived */
  at: number
  path: string
  headers: http.IncomingHttpHeaders
  /** the parsed JSON body (undefined when it was not JSON) */
  body: unknown
  /** the raw body: search it for IPs, sites and mentions */
  raw: string
  /** Block Kit problems found on receipt (validateSlackPayload) */
  problems: string[]
  /** what the fake answered: an HTTP status, or 'hang' / 'reset' */
  answered: number | 'hang' | 'reset'
}

export interface FakeSlackOptions {
  /** answer 400 invalid_blocks when a payload breaks Block Kit's limits, as Slack does (default true) */
  validate?: boolean
}

export interface FakeSlack {
  /** an incoming-webhook-shaped URL that points here */
  url: string
  /** every POST, whatever was answered */
  posts: SlackPost[]
  /** the POSTs answered 2xx: what a channel would show */
  readonly delivered: SlackPost[]
  /** Scripts the next answers, one per request, in order; after them the default applies. */
  enqueue(...replies: FakeReply[]): void
  /** The answer when nothing is scripted (default: ok). */
  setDefault(r: FakeReply): void
  /** the first post (already received or still to come) that satisfies `pred`; rejects after `timeoutMs` */
  waitFor(pred: (p: SlackPost) => boolean, timeoutMs: number): Promise<SlackPost>
  /** resolves once at least `n` posts (any answer) have arrived */
  waitForPosts(n: number, timeoutMs: number): Promise<SlackPost[]>
  close(): Promise<void>
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const validate = opts.validate ?? true
  const posts: SlackPost[] = []
  const queue: FakeReply[] = []
  let fallback: FakeReply = reply.ok()
  const waiters = new Set<() => void>()
  const sockets = new Set<Socket>()

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end()
        return
      }
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown
      try {
        body = JSON.parse(raw)
      } catch {
        body = undefined
      }
      const problems = body === undefined ? ['body is not JSON'] : validateSlackPayload(body)
      let r = queue.shift() ?? fallback
      if (validate && problems.length && r.kind === 'answer' && r.status === 200) r = reply.error('invalid_blocks')
      const post: SlackPost = {
        at: Date.now(),
        path: req.url ?? '',
        headers: req.headers,
        body,
        raw,
        problems,
        answered: r.kind === 'answer' ? r.status : r.kind,
      }
      posts.push(post)
      if (r.kind === 'answer') res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers }).end(r.body)
      else if (r.kind === 'reset') req.socket.destroy()
      // 'hang': leave the response open; close() ends it
      for (const w of waiters) w()
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const waitFor = (pred: (p: SlackPost) => boolean, timeoutMs: number): Promise<SlackPost> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = posts.find(pred)
        if (!hit) return false
        clearTimeout(timer)
        waiters.delete(onPost)
        resolve(hit)
        return true
      }
      const onPost = () => {
        check()
      }
      const timer = setTimeout(() => {
        waiters.delete(onPost)
        reject(new Error(`fake Slack: no matching post within ${timeoutMs} ms (${posts.length} posts so far)`))
      }, timeoutMs)
      if (!check()) waiters.add(onPost)
    })

  return {
    url: `http://127.0.0.1:${port}/services/T00000000/B00000000/fakeSlackSecret`,
    posts,
    get delivered() {
      return posts.filter((p) => typeof p.answered === 'number' && p.answered >= 200 && p.answered < 300)
    },
    enqueue: (...r) => {
      queue.push(...r)
    },
    setDefault: (r) => {
      fallback = r
    },
    waitFor,
    waitForPosts: async (n, timeoutMs) => {
      await waitFor(() => posts.length >= n, timeoutMs)
      return posts.slice()
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
