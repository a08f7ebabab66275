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
 * Sites: every key counts its events per site (the first site inline, more in a small capped map), from its first
 * event until it has been quiet for the rule's longest window; a finding carries these counts (`Finding.sites`), so
 * that an incident names every site the attacker tried, not only the site of the event that crossed the threshold.
 *
 * Memory: at most `maxTrackedKeys` keys (rule × key) across all rules, least recently seen evicted first, counted.
 * A key's state is a row of numbers in a typed array (indexed by a slot number), not an object: a key costs its Map
 * entry, its string and an 80-byte row. Count thresholds without a filter of their own start with the key's last few
 * event times held inline ({@link INLINE_TIMES}); only a key that gets busier (or fires) gets bucketed windows, an
 * object of its own (see windows.ts). Most keys (a probe, a typo) never do.
 *
 * Matching: an event no rule can match (most of them: `GET /wp-content/… 200`) is turned away by the prefilter
 * (prefilter.ts) on its status, method and characters, before any Map lookup. Otherwise the path parts of all filters
 * are decided once per distinct path (a bounded cache), so an event costs a Map probe and the cheap field checks
 * (method, status, query) of the few rules its path can match.
 */
import { type IpMatcher, subnetOf } from '../core/ip.js'
import type { Finding, KeyKind, LogEvent } from '../core/types.js'
import type { CompiledRule, CompiledThreshold, FilterAlt } from './compile.js'
import { createPrefilter, type Prefilter } from './prefilter.js'
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
  /** The test `observe` starts with: an event it turns away gives no findings and changes nothing (see prefilterFor). */
  readonly prefilter: Prefilter
  /** Forgets keys that have been quiet for their rule's longest window. `now`: event time (scan) or wall time (live). */
  sweep(now: number): void
  stats(): EngineStats
}

/** IPs listed per site or subnet key, at most */
const IP_CAP = 1000
/** sites counted per key, at most (an attacker trying more is listed with the first ones) */
const SITE_CAP = 64
/** event times a key holds inline before it needs bucketed windows */
export const INLINE_TIMES = 4
/** `nt` of a key whose inline count thresholds have moved to bucketed windows */
const BUCKETED = 255
/** distinct paths whose filter verdicts are remembered (two generations of this many) */
const PATH_CACHE = 8192
/** distinct site names interned */
const SITE_INTERN_CAP = 65_536
const NONE: Finding[] = []
Object.freeze(NONE)

/** What a key needs beyond its row: bucketed or distinct windows, the IPs of a site or subnet, more sites. */
class Ext {
  readonly wins: (CountWindow | DistinctWindow | null)[]
  ips: TimedSet | null = null
  sites: Map<string, number> | null = null
  constructor(thresholds: number) {
    this.wins = new Array<null>(thresholds).fill(null)
  }
}

/** Fields of a slot's row in `KeyList.c` */
const PREV = 0
const NEXT = 1
/** LRU order across all lists */
const SEQ = 2
/** latest event time seen (a late line counts as if it came with the latest one) */
const LAST = 3
/** events on site0 */
const N0 = 4
/** how many inline times the slot holds, or BUCKETED */
const NT = 5
/** time of the key's first event since it was last quiet (what its counts and sites are counted from) */
const FIRST = 6
/** the inline times, oldest first */
const TIMES = 7

/**
 * The keys of one rule and key kind: one row of numbers per slot in a Float64Array (one or two cache lines per key,
 * no object), with a doubly linked LRU list (least recently seen first) through PREV/NEXT. Slots of dropped keys are
 * reused.
 */
class KeyList {
  readonly map = new Map<string, number>()
  readonly keys: (string | undefined)[] = []
  readonly ext: (Ext | undefined)[] = []
  readonly site0: string[] = []
  /** rows of `stride` numbers */
  c: Float64Array
  readonly stride: number
  head = -1
  tail = -1
  private readonly free: number[] = []
  /** the count thresholds without a filter of their own (these can start inline) */
  readonly inlineTh: boolean[]
  /** inline times per slot: INLINE_TIMES, or 0 when the rule has no such threshold */
  readonly inline: number

  constructor(
    readonly rule: CompiledRule,
    readonly kind: KeyKind,
  ) {
    this.inlineTh = rule.thresholds.map((t) => t.kind === 'count' && t.filter === null)
    this.inline = this.inlineTh.includes(true) ? INLINE_TIMES : 0
    this.stride = TIMES + this.inline
    this.c = new Float64Array(16 * this.stride)
  }

  alloc(key: string): number {
    let i = this.free.pop()
    if (i === undefined) {
      i = this.keys.length
      this.keys.push(key)
      this.ext.push(undefined)
      this.site0.push('')
      if ((i + 1) * this.stride > this.c.length) {
        const c = new Float64Array(this.c.length * 2)
        c.set(this.c)
        this.c = c
      }
    } else {
      this.keys[i] = key
    }
    this.map.set(key, i)
    this.clear(i)
    this.append(i)
    return i
  }

  /** Forgets what slot `i` has counted (a new key, or one quiet for the rule's longest window). */
  clear(i: number): void {
    const r = i * this.stride
    this.c[r + LAST] = Number.NEGATIVE_INFINITY
    this.c[r + FIRST] = Number.NEGATIVE_INFINITY
    this.c[r + N0] = 0
    this.c[r + NT] = 0
    this.site0[i] = ''
    this.ext[i] = undefined
  }

  release(i: number): void {
    this.unlink(i)
    this.map.delete(this.keys[i] as string)
    this.keys[i] = undefined
    this.ext[i] = undefined
    this.site0[i] = ''
    this.free.push(i)
  }

  get(i: number, field: number): number {
    return this.c[i * this.stride + field] as number
  }

  set(i: number, field: number, v: number): void {
    this.c[i * this.stride + field] = v
  }

  append(i: number): void {
    const c = this.c
    const s = this.stride
    c[i * s + PREV] = this.tail
    c[i * s + NEXT] = -1
    if (this.tail >= 0) c[this.tail * s + NEXT] = i
    else this.head = i
    this.tail = i
  }

  unlink(i: number): void {
    const c = this.c
    const s = this.stride
    const p = c[i * s + PREV] as number
    const n = c[i * s + NEXT] as number
    if (p >= 0) c[p * s + NEXT] = n
    else this.head = n
    if (n >= 0) c[n * s + PREV] = p
    else this.tail = p
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

/** A rule alternative whose path part passed, for one path. */
interface Candidate {
  rt: RuleRuntime
  fields: FilterAlt['fields']
}

/** What the engine knows about one (raw) path. */
interface PathEntry {
  /** canonicalPath of it */
  path: string
  /** the rule alternatives it can match: indexed (exact-path) rules first, then the others, each in rule order */
  main: Candidate[]
  forgive: Candidate[]
}

/**
 * The engine's prefilter for these rules: every alternative an event could meet (filter or forgive); an event none
 * of them accepts is done before any lookup, and `observe` returns no findings and changes nothing for it (`scan`'s
 * WebAssembly pass runs the same test, from its tables).
 */
export function prefilterFor(rules: readonly CompiledRule[]): Prefilter {
  return createPrefilter(rules.flatMap((r) => [...r.filter.alts, ...(r.forgive?.alts ?? [])].map((a) => a.shape)))
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
  // rules that match exact paths only come first (as when they were found by a path index), then the others
  const ordered = [
    ...runtimes.filter((rt) => rt.rule.filter.exactPaths !== null),
    ...runtimes.filter((rt) => rt.rule.filter.exactPaths === null),
  ]
  const forgiving = runtimes.filter((rt) => rt.rule.forgive !== null)
  const prefilter = prefilterFor(rules)

  let paths = new Map<string, PathEntry>()
  let oldPaths = new Map<string, PathEntry>()
  const candidates = (list: readonly RuleRuntime[], which: 'filter' | 'forgive', path: string): Candidate[] => {
    const out: Candidate[] = []
    for (const rt of list) {
      const f = rt.rule[which]
      if (f === null) continue
      for (const alt of f.alts) if (alt.path === null || alt.path(path)) out.push({ rt, fields: alt.fields })
    }
    return out
  }
  const pathEntry = (raw: string): PathEntry => {
    let pe = oldPaths.get(raw)
    const key = detach(raw)
    if (pe === undefined) {
      // own copies: a path cut from the log line would keep the whole read chunk alive as long as it is cached
      const canonical = canonicalPath(raw)
      const path = canonical === raw ? key : detach(canonical)
      pe = { path, main: candidates(ordered, 'filter', path), forgive: candidates(forgiving, 'forgive', path) }
    }
    if (paths.size >= PATH_CACHE) {
      oldPaths = paths
      paths = new Map()
    }
    paths.set(key, pe)
    return pe
  }

  const siteNames = new Map<string, string>()
  const intern = (s: string): string => {
    let v = siteNames.get(s)
    if (v === undefined) {
      v = detach(s)
      if (siteNames.size < SITE_INTERN_CAP) siteNames.set(v, v)
    }
    return v
  }

  let keys = 0
  let evicted = 0
  let seq = 0

  const isAllowed = (ip: string): boolean => (allowLoopback && (ip.startsWith('127.') || ip === '::1')) || allow.has(ip)

  const keyOf = (kind: KeyKind, e: LogEvent): string =>
    kind === 'ip' ? e.ip : kind === 'site' ? e.site : kind === 'ip+site' ? `${e.ip}|${e.site}` : subnetOf(e.ip)

  const evictOne = (): void => {
    let victim: KeyList | null = null
    let oldest = Number.POSITIVE_INFINITY
    for (const l of lists) {
      if (l.head >= 0 && l.get(l.head, SEQ) < oldest) {
        oldest = l.get(l.head, SEQ)
        victim = l
      }
    }
    if (victim) {
      victim.release(victim.head)
      keys--
      evicted++
    }
  }

  const touch = (list: KeyList, key: string): number => {
    let i = list.map.get(key)
    if (i === undefined) {
      if (keys >= maxKeys) evictOne()
      i = list.alloc(detach(key))
      keys++
    } else if (i !== list.tail) {
      list.unlink(i)
      list.append(i)
    }
    list.set(i, SEQ, ++seq)
    return i
  }

  const extOf = (list: KeyList, i: number): Ext => {
    let x = list.ext[i]
    if (x === undefined) {
      x = new Ext(list.rule.thresholds.length)
      list.ext[i] = x
    }
    return x
  }

  const countSite = (list: KeyList, i: number, site: string): void => {
    const r = i * list.stride + N0
    if (list.site0[i] === site) list.c[r] = (list.c[r] as number) + 1
    else if (list.c[r] === 0) {
      list.site0[i] = intern(site)
      list.c[r] = 1
    } else {
      const x = extOf(list, i)
      if (x.sites === null) x.sites = new Map()
      const m = x.sites
      const n = m.get(site)
      if (n !== undefined) m.set(site, n + 1)
      else if (m.size < SITE_CAP - 1) m.set(intern(site), 1)
    }
  }

  const sitesOf = (list: KeyList, i: number): Record<string, number> => {
    const out: [string, number][] = []
    const n0 = list.get(i, N0)
    if (n0 > 0) out.push([list.site0[i] as string, n0])
    const more = list.ext[i]?.sites
    if (more) for (const kv of more) out.push(kv)
    return Object.fromEntries(out)
  }

  /**
   * Counts `t` in the inline times of slot `i`; false (and nothing recorded) when the key needs bucketed windows:
   * the inline times are full, or a threshold would be reached. Counts as a CountWindow would (whole buckets).
   */
  const inline = (list: KeyList, i: number, t: number): boolean => {
    const ths = list.rule.thresholds
    const inl = list.inlineTh
    const times = list.c
    const row = i * list.stride
    const base = row + TIMES
    let n = times[row + NT] as number
    // drop times that no inline window holds any more
    let drop = 0
    for (; drop < n; drop++) {
      const tj = times[base + drop] as number
      let held = false
      for (let k = 0; k < ths.length && !held; k++) {
        const th = ths[k] as CompiledThreshold
        if (inl[k]) held = Math.floor(tj / th.bucketMs) > Math.floor(t / th.bucketMs) - th.buckets
      }
      if (held) break
    }
    if (drop > 0) {
      for (let j = drop; j < n; j++) times[base + j - drop] = times[base + j] as number
      n -= drop
      times[row + NT] = n
    }
    if (n >= list.inline) return false
    for (let k = 0; k < ths.length; k++) {
      if (!inl[k]) continue
      const th = ths[k] as CompiledThreshold
      const min = Math.floor(t / th.bucketMs) - th.buckets
      let c = 1
      for (let j = n - 1; j >= 0 && Math.floor((times[base + j] as number) / th.bucketMs) > min; j--) c++
      if (c >= th.count) return false
    }
    times[base + n] = t
    times[row + NT] = n + 1
    return true
  }

  /** Moves the inline times of slot `i` into bucketed windows. */
  const toBuckets = (list: KeyList, i: number): void => {
    const x = extOf(list, i)
    const ths = list.rule.thresholds
    const base = i * list.stride + TIMES
    const n = list.get(i, NT)
    for (let k = 0; k < ths.length; k++) {
      if (!list.inlineTh[k]) continue
      const th = ths[k] as CompiledThreshold
      const w = new CountWindow()
      for (let j = 0; j < n; j++) {
        const tj = list.c[base + j] as number
        w.add(tj, th.bucketMs, th.buckets)
        w.last = tj
      }
      x.wins[k] = w
    }
    list.set(i, NT, BUCKETED)
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
    const i = touch(list, key)
    const rule = rt.rule
    const prevT = list.get(i, LAST)
    // a late line counts as if it came with the latest one (windows only move forward)
    const t = Math.max(e.time, prevT)
    // quiet for the longest window: every window is empty, start over (sites too)
    if (t - prevT >= rule.maxWindow && prevT !== Number.NEGATIVE_INFINITY) list.clear(i)
    list.set(i, LAST, t)
    if (list.get(i, FIRST) === Number.NEGATIVE_INFINITY) list.set(i, FIRST, t)
    countSite(list, i, e.site)
    let ips: TimedSet | null = null
    if (list.kind === 'site' || list.kind === 'subnet') {
      const x = extOf(list, i)
      if (x.ips === null) x.ips = new TimedSet()
      ips = x.ips
      ips.expire(t - rule.maxWindow)
      ips.add(e.ip, t, IP_CAP, rule.maxWindow / 16)
    }
    // the inline thresholds took the event without reaching a threshold
    const inlined = list.inline > 0 && list.get(i, NT) !== BUCKETED && inline(list, i, t)
    if (list.inline > 0 && !inlined && list.get(i, NT) !== BUCKETED) toBuckets(list, i)
    const ths = rule.thresholds
    for (let k = 0; k < ths.length; k++) {
      if (inlined && list.inlineTh[k]) continue
      const th = ths[k] as CompiledThreshold
      if (th.filter !== null && !th.filter.test(e, path)) continue
      let n: number
      let w: CountWindow | DistinctWindow | null
      if (th.kind === 'count') {
        const x = extOf(list, i)
        w = x.wins[k] ?? null
        if (w === null) x.wins[k] = w = new CountWindow()
        if (t - w.last >= th.within) w.fired = 0
        w.last = t
        n = (w as CountWindow).add(t, th.bucketMs, th.buckets)
      } else {
        const v = fieldValue(th, rt.queryField[k] ?? null, e, path)
        if (v === '') continue
        const x = extOf(list, i)
        w = x.wins[k] ?? null
        if (w === null) x.wins[k] = w = new DistinctWindow()
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
        key: list.keys[i] as string,
        time: e.time,
        count: n,
        threshold: th.label,
        event: e,
        ips: ips !== null ? [...ips.m.keys()] : [e.ip],
        sites: sitesOf(list, i),
        since: list.get(i, FIRST),
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
    const i = rt.main.map.get(keyOf(rt.rule.key, e))
    if (i === undefined) return
    const x = rt.main.ext[i]
    if (x === undefined) return
    x.ips?.delete(e.ip)
    rt.rule.thresholds.forEach((th, k) => {
      if (th.field === 'ip') (x.wins[k] as DistinctWindow | null)?.set.delete(e.ip)
    })
  }

  return {
    prefilter,
    observe(e: LogEvent): Finding[] {
      if (!prefilter.mayMatch(e)) return NONE
      const pe = paths.get(e.path) ?? pathEntry(e.path)
      const path = pe.path
      let out: Finding[] | null = null
      let allowed = 0 // 0: not looked up yet, 1: allowed, 2: not
      let done: RuleRuntime | null = null // the rule an earlier alternative matched
      const main = pe.main
      for (let k = 0; k < main.length; k++) {
        const c = main[k] as Candidate
        if (c.rt === done || !c.fields(e)) continue
        done = c.rt
        if (allowed === 0) allowed = isAllowed(e.ip) ? 1 : 2
        if (allowed === 1) break
        out = hit(c.rt, e, path, out)
      }
      const fg = pe.forgive
      done = null
      for (let k = 0; k < fg.length; k++) {
        const c = fg[k] as Candidate
        if (c.rt !== done && c.fields(e)) {
          done = c.rt
          forgive(c.rt, e)
        }
      }
      return out ?? NONE
    },

    sweep(now: number): void {
      for (const l of lists) {
        const window = l.rule.maxWindow
        while (l.head >= 0 && now - l.get(l.head, LAST) >= window) {
          l.release(l.head)
          keys--
        }
      }
    },

    stats: () => ({ keys, evicted }),
  }
}
