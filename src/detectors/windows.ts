/**
 * Per-key window state (WindowState): compact, counts not events.
 * - CountWindow: a sparse ring of time buckets, `[bucketId, count, bucketId, count, …]`, oldest first, at most
 *   `buckets` pairs (1m → 60 × 1 s, 24h → 96 × 15 min). A key seen once holds one pair.
 * - DistinctWindow: value → time last seen, in last-seen order (a Map re-inserted on touch), at most `cap` values.
 * Both run on the time they are given (event time); `fired` remembers the level last reported (see engine.ts).
 */

export class CountWindow {
  private b: number[] = []
  total = 0
  /** the threshold level last reported (0: none since the window was last quiet) */
  fired = 0
  /** time of the last counted event */
  last = Number.NEGATIVE_INFINITY

  /** Counts one event at `t` (never earlier than the previous one) and returns the window's count. */
  add(t: number, bucketMs: number, buckets: number): number {
    const id = Math.floor(t / bucketMs)
    let b = this.b
    const min = id - buckets + 1
    if (b.length !== 0 && (b[0] as number) < min) {
      let k = 0
      while (k < b.length && (b[k] as number) < min) {
        this.total -= b[k + 1] as number
        k += 2
      }
      b.splice(0, k)
    }
    const n = b.length
    if (n === 0) {
      // an exact-size literal: most keys never see a second bucket
      b = this.b = [id, 1]
    } else if (b[n - 2] === id) {
      b[n - 1] = (b[n - 1] as number) + 1
    } else {
      b.push(id, 1)
    }
    return ++this.total
  }
}

export class DistinctWindow {
  readonly m = new Map<string, number>()
  fired = 0
  last = Number.NEGATIVE_INFINITY

  /** Records `value` at `t` and returns how many distinct values the window (t - within, t] holds. */
  add(value: string, t: number, within: number, cap: number): number {
    const m = this.m
    expire(m, t - within)
    if (m.delete(value) || m.size < cap) m.set(detach(value), t)
    return m.size
  }
}

/** Drops entries last seen at or before `cutoff` (the map is in last-seen order, so only its head is looked at). */
export function expire(m: Map<string, number>, cutoff: number): void {
  for (const [k, ts] of m) {
    if (ts > cutoff) return
    m.delete(k)
  }
}

/**
 * A flat copy of a string. Parsers cut fields out of the log line; V8 may keep such a cut as a view of the whole
 * line, so a long-lived key would hold on to a ~200-byte line. Keys and values kept in state are copied once.
 */
export const detach = (s: string): string => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'))
