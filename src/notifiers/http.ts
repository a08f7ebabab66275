import { DeliveryError } from '../core/errors.js'

export interface HttpAnswer {
  status: number
  /** the response body, cut at 64 KiB */
  body: string
  retryAfterMs: number | undefined
}

export const DEFAULT_TIMEOUT_MS = 10_000

/**
 * POSTs a JSON body with Node's fetch: a timeout, no redirects (a webhook that redirects is the wrong URL, and
 * following it could leak the body elsewhere). Network failures and timeouts throw DeliveryError('retry');
 * a redirect throws DeliveryError('config'). Error messages never contain the URL (it is the secret).
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  who: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<HttpAnswer> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'lookout', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } }
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      throw new DeliveryError(
        `${who} did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
        'retry',
        undefined,
        {
          cause: new Error(e.name),
        },
      )
    }
    const why = e.cause?.code ?? e.cause?.message ?? e.message
    if (/redirect/i.test(String(why))) {
      throw new DeliveryError(
        `${who} answered with a redirect: the URL is not the endpoint itself; check it (lookout never follows redirects)`,
        'config',
      )
    }
    // Only the code or message (ECONNREFUSED, ENOTFOUND …), never the error object: undici puts the URL in some.
    throw new DeliveryError(`could not reach ${who}: ${scrub(String(why))}`, 'retry')
  }
  const text = await readCapped(res)
  return { status: res.status, body: text, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) }
}

/** Removes anything URL-shaped from a message. */
const scrub = (s: string): string => s.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>').slice(0, 200)

async function readCapped(res: Response, max = 64 * 1024): Promise<string> {
  try {
    const text = await res.text()
    return text.length > max ? text.slice(0, max) : text
  } catch {
    return ''
  }
}

/** `Retry-After: <seconds>` or an HTTP date → ms; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (v === null) return undefined
  const t = v.trim()
  if (/^\d+$/.test(t)) return Number(t) * 1000
  const at = Date.parse(t)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
