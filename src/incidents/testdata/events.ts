import type { Finding, KeyKind, LogEvent } from '../../core/types.js'

export const T0 = Date.parse('2025-06-02T10:00:00Z')
export const MIN = 60_000

/** A failed WordPress login (POST /wp-login.php answered 200). */
export function loginEvent(ip: string, site: string, time: number, extra: Partial<LogEvent> = {}): LogEvent {
  return {
    time,
    ip,
    site,
    service: 'http',
    method: 'POST',
    path: '/wp-login.php',
    query: '',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 4523,
    referer: '',
    userAgent: 'python-requests/2.31',
    user: '',
    outcome: 'failure',
    ...extra,
  }
}

export const lineOf = (e: LogEvent): string =>
  `${e.site} ${e.ip} - ${e.user || '-'} [${new Date(e.time).toISOString()}] "${e.method} ${e.path} ${e.protocol}" ${e.status} ${e.bytes} "-" "${e.userAgent}"`

export function finding(
  rule: string,
  keyKind: KeyKind,
  key: string,
  event: LogEvent,
  count: number,
  ips: string[] = [],
  sites: Record<string, number> = { [event.site]: count },
): Finding {
  return { rule, keyKind, key, time: event.time, count, threshold: `${count} in 1m`, event, ips, sites }
}
