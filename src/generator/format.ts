/** Apache/nginx `combined` and Apache `vhost_combined` lines, built without Date objects on the hot path. */

export type LineFormat = 'combined' | 'vhost_combined'

/** One request as an actor makes it; the scheduler turns it into a log line. */
export interface Hit {
  time: number
  ip: string
  site: string
  /** port the vhost answered on (vhost_combined's `%v:%p`) */
  port: number
  method: string
  /** the request target: path plus `?query` */
  target: string
  protocol: string
  status: number
  bytes: number
  /** '' is written as `-` */
  user: string
  referer: string
  userAgent: string
  /** 'benign:<kind>' or 'attack:<campaign>' */
  label: string
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/** `10/Oct/2023:13:55:36 +0000` for a time in ms (UTC); caches the last second, as most lines share one. */
export class ClfClock {
  private lastSecond = Number.NaN
  private last = ''

  format(ms: number): string {
    const second = Math.floor(ms / 1000)
    if (second === this.lastSecond) return this.last
    const d = new Date(second * 1000)
    this.lastSecond = second
    this.last = `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(
      d.getUTCMinutes(),
    )}:${pad2(d.getUTCSeconds())} +0000`
    return this.last
  }
}

export function formatHit(hit: Hit, format: LineFormat, clock: ClfClock): string {
  const line = `${hit.ip} - ${hit.user || '-'} [${clock.format(hit.time)}] "${hit.method} ${hit.target} ${hit.protocol}" ${
    hit.status
  } ${hit.bytes} "${hit.referer || '-'}" "${hit.userAgent || '-'}"`
  return format === 'vhost_combined' ? `${hit.site}:${hit.port} ${line}` : line
}
