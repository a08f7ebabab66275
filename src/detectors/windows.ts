/**
 * Per-key window state (WindowState): compact, counts not events.
 * - CountWindow: a sparse ring of time buckets, `[bucketId, count, bucketId, count, …]`, oldest first, at most
 *   `buckets` pairs (1m → 60 × 1 s, 24h → 96 × 15 min). A key seen once holds one pair.
 * - DistinctWindow: value → time last seen, in last-seen order (a Map re-inserted on touch), at most `cap` values.
 * Both run on the time they are given (event time); `fired` remembers the level last reported (see engine.ts).
 */

export class CountWindow {
  /** the buckets once there are two or more; null while all counted events share one bucket (`id0`) */
  private b: number[] | null = null
  private id0 = 0
  total = 0
  /** the threshold level last reported (0: none since the window was last quiet) */
  fired = 0
  /** time of the last counted event */
  last = Number.NEGATIVE_INFINITY

  /** Counts one event at `t` (never earlier than the previous one) and returns the window's count. */
  add(t: number, bucketMs: number, buckets: number): number {
    const id = Math.floor(t / bucketMs)
    const min = id - buckets + 1
    let b = this.b
    if (b === null) {
      // most keys (one probe, a few tries) never need more than this
      if (this.total === 0 || this.id0 < min) {
        this.id0 = id
        this.total = 1
        return 1
      }
      if (this.id0 === id) return ++this.total
      this.b = [this.id0, this.total, id, 1]
      return ++this.total
    }
    if ((b[0] as number) < min) {
      let k = 0
      while (k < b.length && (b[k] as number) < min) {
        this.total -= b[k + 1] as number
        k += 2
      }
      // in place: splice would allocate an array of the removed items on every expiry
      const len = b.length - k
      for (let j = 0; j < len; j++) b[j] = b[j + k] as number
      b.length = len
    }
    const n = b.length
    if (n === 0) {
      b = this.b = [id, 1]
    } else if (b[n - 2] === id) {
      b[n - 1] = (b[n - 1] as number) + 1
    } else {
      b.push(id, 1)
    }
    return ++this.total
  }
}

/**
 * Values with the time each was last seen, in last-seen order (a Map), so that expiry only ever looks at the head.
 * A value seen again is moved to the tail only when its time is more than `slack` old: most sightings then cost one
 * Map probe, and an entry can expire at most `slack` early (an undercount, never an overcount).
 */
export class TimedSet {
  readonly m = new Map<string, number>()
  /** a lower bound of the times held: expire() has nothing to do before it */
  private min = Number.POSITIVE_INFINITY

  /** Records `value` at `t` (never earlier than the previous call). A new value beyond `cap` is not kept. */
  add(value: string, t: number, cap: number, slack: number): void {
    const m = this.m
    const prev = m.get(value)
    if (prev === undefined) {
      if (m.size >= cap) return
      m.set(detach(value), t)
      if (t < this.min) this.min = t
    } else if (t - prev > slack) {
      m.delete(value)
      m.set(detach(value), t)
    }
  }

  /** Drops the values last seen at or before `cutoff`. */
  expire(cutoff: number): void {
    if (cutoff < this.min) return
    const m = this.m
    for (const [k, ts] of m) {
      if (ts > cutoff) {
        this.min = ts
        return
      }
      m.delete(k)
    }
    this.min = Number.POSITIVE_INFINITY
  }

  delete(value: string): void {
    this.m.delete(value)
  }

  get size(): number {
    return this.m.size
  }
}

export class DistinctWindow {
  readonly set = new TimedSet()
  fired = 0
  last = Number.NEGATIVE_INFINITY

  /** Records `value` at `t` and returns how many distinct values the window (t - within, t] holds. */
  add(value: string, t: number, within: number, cap: number): number {
    this.set.expire(t - within)
    this.set.add(value, t, cap, within / 16)
    return this.set.size
  }
}

/**
 * A flat copy of a string. Parsers cut fields out of the log line; V8 may keep such a cut as a view of the whole
 * line, so a long-lived key would hold on to a ~200-byte line. Keys and values kept in state are copied once
 * (a concatenation is flattened by the slice; short strings are never views).
 */
export const detach = (s: string): string => (s.length < 13 ? s : ` ${s}`.slice(1))
