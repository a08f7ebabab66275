/**
 * The rule engine: events in, findings out. Runs on event time only (it never reads the wall clock); `sweep(now)`
 * is called by the pipeline, one sweep for all keys.
 *
 * Firing: a threshold fires when a key's window reaches `count`. It then stays quiet for that key until the window
 * has been empty for a whole `within` (the incident manager tracks growth), except that every 10× growth (50, 500 …
 * for a threshold of 5) fires again with the new count. Each threshold of a rule is a tier and fires on its own.
 *
 * IPv6: a rule keyed by `ip` also counts per /64 and reports a `subnet` finding when the /64 crosses a threshold with
 * at least two addresses (an attacker rotating addresses; one address alone fires as itself).
 *
 * Memory: at most `maxTrackedKeys` keys (rule × key) across all rules, least recently seen evicted first, counted.
 */
import { type IpMatcher, subnetOf } from '../core/ip.js'
import type { Finding, KeyKind, LogEvent } from '../core/types.js'
import type { CompiledRule, CompiledThreshold, EventFilter } from './compile.js'
import { canonicalPath, queryValue } from './query.js'
import { CountWindow, DistinctWindow, detach, TimedSet } from './windows.js'

export interface EngineOptions {
  maxTrackedKeys: number
  /** IPs that never produce findings (the config's `allow`) */
  allow: IpMatcher
  /** 127.0.0.0/8 and ::1 never produce findings (default true: wp-cron and health checks from the server itself) */
  allowLoopback?: boolean
}

export interface EngineStats {
  /** keys tracked now */
  keys: number
  /** keys dropped to stay within maxTrackedKeys (not counting keys swept because they were quiet) */
  evicted: number
}

export interface Engine {
  observe(e: LogEvent): Finding[]
  /** Forgets keys that have been quiet for their rule's longest window. `now`: event time (scan) or wall time (live). */
  sweep(now: number): void
  stats(): EngineStats
}

/** IPs listed per site or subnet key, at most */
const IP_CAP = 1000
const NONE: Finding[] = []
Object.freeze(NONE)

class KeyState {
  prev: KeyState | null = null
  next: KeyState | null = null
  /** LRU order across all lists */
  seq = 0
  /** latest event time seen */
  last = Number.NEGATIVE_INFINITY
  readonly wins: (CountWindow | DistinctWindow | null)[]
  /** site and subnet keys: the IPs seen within the rule's longest window */
  readonly ips: TimedSet | null

  constructor(
    readonly key: string,
    readonly list: KeyList,
  ) {
    this.wins = new Array<null>(list.rule.thresholds.length).fill(null)
    this.ips = list.kind === 'site' || list.kind === 'subnet' ? new TimedSet() : null
  }
}

/** The keys of one rule and key kind, least recently seen first (a doubly linked list beside the Map). */
class KeyList {
  readonly map = new Map<string, KeyState>()
  head: KeyState | null = null
  tail: KeyState | null = null
  constructor(
    readonly rule: CompiledRule,
    readonly kind: KeyKind,
  ) {}

  append(s: KeyState): void {
    s.prev = this.tail
    s.next = null
    if (this.tail) this.tail.next = s
    else this.head = s
    this.tail = s
  }

  unlink(s: KeyState): void {
    if (s.prev) s.prev.next = s.next
    else this.head = s.next
    if (s.next) s.next.prev = s.prev
    else this.tail = s.prev
    s.prev = s.next = null
  }
}

interface RuleRuntime {
  rule: CompiledRule
  main: KeyList
  /** for `ip` rules: the IPv6 /64 roll-up */
  subnets: KeyList | null
  /** per threshold: the query parameter of a `query:NAME` distinct field, else null */
  queryField: (string | null)[]
}

export function createEngine(rules: readonly CompiledRule[], opts: EngineOptions): Engine {
  const { allow } = opts
  const maxKeys = Math.max(1, opts.maxTrackedKeys)
  const allowLoopback = opts.allowLoopback ?? true
  const runtimes: RuleRuntime[] = rules.map((rule) => ({
    rule,
    main: new KeyList(rule, rule.key),
    subnets: rule.key === 'ip' ? new KeyList(rule, 'subnet') : null,
    queryField: rule.thresholds.map((t) => (t.field?.startsWith('query:') ? t.field.slice(6) : null)),
  }))
  const lists: KeyList[] = runtimes.flatMap((r) => (r.subnets ? [r.main, r.subnets] : [r.main]))

  // Index: rules whose filter only matches exact paths are found by one Map probe; the rest are tried in order.
  const byPath = new Map<string, RuleRuntime[]>()
  const general: RuleRuntime[] = []
  const forgiveByPath = new Map<string, RuleRuntime[]>()
  const forgiveGeneral: RuleRuntime[] = []
  const index = (rt: RuleRuntime, f: EventFilter, exact: Map<string, RuleRuntime[]>, rest: RuleRuntime[]): void => {
    if (f.exactPaths === null) rest.push(rt)
    else for (const p of f.exactPaths) exact.set(p, [...(exact.get(p) ?? []), rt])
  }
  for (const rt of runtimes) {
    index(rt, rt.rule.filter, byPath, general)
    if (rt.rule.forgive) index(rt, rt.rule.forgive, forgiveByPath, forgiveGeneral)
  }

  let keys = 0
  let evicted = 0
  let seq = 0

  const isAllowed = (ip: string): boolean => (allowLoopback && (ip.startsWith('127.') || ip === '::1')) || allow.has(ip)

  const keyOf = (kind: KeyKind, e: LogEvent): string =>
    kind === 'ip' ? e.ip : kind === 'site' ? e.site : kind === 'ip+site' ? `${e.ip}|${e.site}` : subnetOf(e.ip)

  const drop = (s: KeyState): void => {
    s.list.unlink(s)
    s.list.map.delete(s.key)
    keys--
  }

  const evictOne = (): void => {
    let victim: KeyState | null = null
    for (const l of lists) if (l.head && (victim === null || l.head.seq < victim.seq)) victim = l.head
    if (victim) {
      drop(victim)
      evicted++
    }
  }

  const touch = (list: KeyList, key: string): KeyState => {
    let s = list.map.get(key)
    if (s === undefined) {
      if (keys >= maxKeys) evictOne()
      const k = detach(key)
      s = new KeyState(k, list)
      list.map.set(k, s)
      list.append(s)
      keys++
    } else if (s !== list.tail) {
      list.unlink(s)
      list.append(s)
    }
    s.seq = ++seq
    return s
  }

  const fieldValue = (th: CompiledThreshold, q: string | null, e: LogEvent, path: string): string => {
    switch (th.field) {
      case 'path':
        return path
      case 'ip':
        return e.ip
      case 'user':
        return e.user
      case 'site':
        return e.site
      default:
        return q === null ? '' : (queryValue(e.query, q) ?? '')
    }
  }

  const update = (
    rt: RuleRuntime,
    list: KeyList,
    key: string,
    e: LogEvent,
    path: string,
    out: Finding[] | null,
  ): Finding[] | null => {
    const s = touch(list, key)
    const rule = rt.rule
    // a late line counts as if it came with the latest one (windows only move forward)
    const t = Math.max(e.time, s.last)
    s.last = t
    const ips = s.ips
    if (ips !== null) {
      ips.expire(t - rule.maxWindow)
      ips.add(e.ip, t, IP_CAP, rule.maxWindow / 16)
    }
    const ths = rule.thresholds
    for (let i = 0; i < ths.length; i++) {
      const th = ths[i] as CompiledThreshold
      if (th.filter !== null && !th.filter.test(e, path)) continue
      let n: number
      let w = s.wins[i] ?? null
      if (th.kind === 'count') {
        if (w === null) s.wins[i] = w = new CountWindow()
        if (t - w.last >= th.within) w.fired = 0
        w.last = t
        n = (w as CountWindow).add(t, th.bucketMs, th.buckets)
      } else {
        const v = fieldValue(th, rt.queryField[i] ?? null, e, path)
        if (v === '') continue
        if (w === null) s.wins[i] = w = new DistinctWindow()
        if (t - w.last >= th.within) w.fired = 0
        w.last = t
        n = (w as DistinctWindow).add(v, t, th.within, th.cap)
      }
      let level = w.fired === 0 ? th.count : w.fired * 10
      if (n < level) continue
      // a subnet fires as a subnet only when it is more than one address (one address fires as itself)
      if (list.kind === 'subnet' && rule.key !== 'subnet' && (ips === null || ips.size < 2)) continue
      while (n >= level * 10) level *= 10
      w.fired = level
      const finding: Finding = {
        rule: rule.name,
        keyKind: list.kind,
        key: s.key,
        time: e.time,
        count: n,
        threshold: th.label,
        event: e,
        ips: ips !== null ? [...ips.m.keys()] : [e.ip],
      }
      if (out === null) out = [finding]
      else out.push(finding)
    }
    return out
  }

  const hit = (rt: RuleRuntime, e: LogEvent, path: string, out: Finding[] | null): Finding[] | null => {
    const rule = rt.rule
    if (e.ip === '' && rule.key !== 'site') return out
    if (rule.allow?.has(e.ip)) return out
    out = update(rt, rt.main, keyOf(rule.key, e), e, path, out)
    if (rt.subnets !== null && e.ip.indexOf(':') >= 0) out = update(rt, rt.subnets, subnetOf(e.ip), e, path, out)
    return out
  }

  const forgive = (rt: RuleRuntime, e: LogEvent): void => {
    const s = rt.main.map.get(keyOf(rt.rule.key, e))
    if (s === undefined) return
    s.ips?.delete(e.ip)
    rt.rule.thresholds.forEach((th, i) => {
      if (th.field === 'ip') (s.wins[i] as DistinctWindow | null)?.set.delete(e.ip)
    })
  }

  return {
    observe(e: LogEvent): Finding[] {
      const path = canonicalPath(e.path)
      let out: Finding[] | null = null
      let allowed = 0 // 0: not looked up yet, 1: allowed, 2: not
      const indexed = byPath.get(path)
      if (indexed !== undefined) {
        for (const rt of indexed) {
          if (!rt.rule.filter.test(e, path)) continue
          if (allowed === 0) allowed = isAllowed(e.ip) ? 1 : 2
          if (allowed === 1) break
          out = hit(rt, e, path, out)
        }
      }
      if (allowed !== 1) {
        for (const rt of general) {
          if (!rt.rule.filter.test(e, path)) continue
          if (allowed === 0) allowed = isAllowed(e.ip) ? 1 : 2
          if (allowed === 1) break
          out = hit(rt, e, path, out)
        }
      }
      const fi = forgiveByPath.get(path)
      if (fi !== undefined) for (const rt of fi) if ((rt.rule.forgive as EventFilter).test(e, path)) forgive(rt, e)
      for (const rt of forgiveGeneral) if ((rt.rule.forgive as EventFilter).test(e, path)) forgive(rt, e)
      return out ?? NONE
    },

    sweep(now: number): void {
      for (const l of lists) {
        const window = l.rule.maxWindow
        while (l.head !== null && now - l.head.last >= window) drop(l.head)
      }
    },

    stats: () => ({ keys, evicted }),
  }
}
