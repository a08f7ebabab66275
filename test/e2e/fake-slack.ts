/**
 * A Slack-compatible incoming-webhook endpoint on 127.0.0.1 (port 0) that records every POST with its arrival time.
 * Answers 200 "ok" like Slack does.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SlackPost {
  /** Date.now() when the whole body had arrived */
  at: number
  path: string
  /** the parsed JSON body (undefined when it was not JSON) */
  body: unknown
  /** the raw body: search it for IPs, sites and mentions */
  raw: string
}

export interface FakeSlack {
  /** an incoming-webhook-shaped URL that points here */
  url: string
  posts: SlackPost[]
  /** the first post (already received or still to come) that satisfies `pred`; rejects after `timeoutMs` */
  waitFor(pred: (p: SlackPost) => boolean, timeoutMs: number): Promise<SlackPost>
  close(): Promise<void>
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const posts: SlackPost[] = []
  const waiters = new Set<() => void>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown
      try {
        body = JSON.parse(raw)
      } catch {
        body = undefined
      }
      if (req.method === 'POST') posts.push({ at: Date.now(), path: req.url ?? '', body, raw })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      for (const w of waiters) w()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/services/T00000000/B00000000/e2eTESTsecret`,
    posts,
    waitFor(pred, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = posts.find(pred)
          if (hit === undefined) return false
          clearTimeout(timer)
          waiters.delete(onPost)
          resolve(hit)
          return true
        }
        const onPost = (): void => void check()
        const timer = setTimeout(() => {
          waiters.delete(onPost)
          reject(new Error(`no matching Slack post within ${timeoutMs} ms (${posts.length} posts so far)`))
        }, timeoutMs)
        waiters.add(onPost)
        check()
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
