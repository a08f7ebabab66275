/**
 * Real HTTP requests from distinct loopback source addresses. Linux routes all of 127.0.0.0/8 to `lo`, so a socket
 * bound to 127.0.0.42 reaches a server on 127.0.0.1 and the server logs 127.0.0.42 as the client: each simulated
 * attacker or visitor gets its own IP without any network setup.
 */
import http from 'node:http'
import { RIGHT_PASSWORD_HEADER } from './servers.js'

export interface Request {
  /** source address, e.g. '127.0.0.23' */
  from: string
  port: number
  /** virtual host (Host header) */
  site: string
  method?: 'GET' | 'POST' | 'HEAD'
  /** path plus query, e.g. '/?author=2' */
  path: string
  body?: string
  userAgent?: string
  /** POST /wp-login.php only: true makes the test sites answer 302 (a right password) */
  rightPassword?: boolean
}

export interface Response {
  status: number
  /** Date.now() when the response was complete (the server has logged the request by then) */
  at: number
}

/** One request on its own connection (no keep-alive: the source address must be the one asked for). */
export function request(req: Request): Promise<Response> {
  const body = req.body ?? ''
  const headers: Record<string, string> = {
    host: req.site,
    'user-agent': req.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) lookout-e2e',
    connection: 'close',
  }
  if (req.method === 'POST') {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    headers['content-length'] = String(Buffer.byteLength(body))
  }
  if (req.rightPassword === true) headers[RIGHT_PASSWORD_HEADER] = 'right'
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: '127.0.0.1',
        port: req.port,
        localAddress: req.from,
        method: req.method ?? 'GET',
        path: req.path,
        headers,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, at: Date.now() }))
        res.on('error', reject)
      },
    )
    r.on('timeout', () => r.destroy(new Error(`request to ${req.site}${req.path} from ${req.from} timed out`)))
    r.on('error', reject)
    r.end(body)
  })
}

/** A WordPress login attempt: POST /wp-login.php with the form WordPress sends. */
export function wpLogin(
  from: string,
  port: number,
  site: string,
  user: string,
  rightPassword: boolean,
): Promise<Response> {
  const body = new URLSearchParams({
    log: user,
    pwd: rightPassword ? 'correct horse' : 'hunter2',
    'wp-submit': 'Log In',
    redirect_to: `http://${site}/wp-admin/`,
    testcookie: '1',
  }).toString()
  return request({ from, port, site, method: 'POST', path: '/wp-login.php', body, rightPassword })
}

/** An XML-RPC call (what brute-force tools use to try many passwords per request). */
export function xmlrpc(from: string, port: number, site: string): Promise<Response> {
  const body =
    '<?xml version="1.0"?><methodCall><methodName>wp.getUsersBlogs</methodName><params>' +
    '<param><value>admin</value></param><param><value>hunter2</value></param></params></methodCall>'
  return request({ from, port, site, method: 'POST', path: '/xmlrpc.php', body, userAgent: 'python-requests/2.31' })
}
