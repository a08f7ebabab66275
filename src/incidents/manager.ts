import { ipv4FromBits, parseIpv4, subnetOf } from '../core/ip.js'
import type { Alert, Finding, Incident, IncidentKind, IncidentStep, LogEvent } from '../core/types.js'
import { detach } from '../detectors/windows.js'
import type { IncidentStore } from '../store/store.js'
import type { IncidentsConfig, TeamConfig } from './config.js'
import { whoIsOnDuty } from './duty.js'
import type { RuleMatcher } from './rule-matcher.js'
import { severityOf } from './severity.js'

/**
 * Turns findings into incidents: one incident per attacker, gathered across rules and sites.
 *
 * Who the attacker is:
 * - an IP (findings keyed `ip` or `ip+site`);
 * - a subnet: a `subnet` finding, or a second attacking IP in the /24 (IPv4) or /64 (IPv6) of an open IP incident,
 *   which turns that incident into a subnet incident (same id) listing both IPs;
 * - a site, for a distributed attack (`site` findings): the site incident lists the attacking IPs.
 *
 * Lifecycle: opened → escalated → resolved. An incident escalates when its attempts reach `escalate_factor` times the
 * attempts of its last alert, when a new rule fires for it, when it has hit `escalate_sites` more sites than at its
 * last alert, or when it rolls up from an IP into a subnet. It is resolved after `resolve_after` without an attempt
 * (event time). Each step makes exactly one Alert, with the stable id `${incident.id}:${step}:${n}` (n counts
 * escalations; 1 for opened and resolved), so enqueueing it twice in the outbox is a no-op.
 *
 * Attempts: when the incident opens or an IP joins it, the finding's per-site counts (`Finding.sites`: every event of
 * the key so far, on every site it tried; for a site incident, the finding's count), then one per event of the
 * attacker (every request from the IP or subnet; for a site incident, every request of a listed IP to that site) that
 * the pipeline hands to `onEvent`. An event is counted once per incident even when it also arrives with a finding.
 * Attempts are always the sum of the incident's site counts.
 *
 * Persistence: incidents are saved to the store when they open, at every step, and at each `tick` when they changed
 * (so between ticks the store lags by at most one tick). Escalation baselines live in store meta
 * (`incident:<id>`). Open incidents are loaded from the store on creation, so a restart continues them.
 * The manager does not enqueue alerts: the pipeline puts them in the outbox for its notifiers, in the same
 * transaction as the batch's checkpoint.
 */
export interface IncidentManager {
  /** A rule crossed a threshold: opens or updates the attacker's incident. `line` is the raw line of f.event. */
  onFinding(f: Finding, line: string): Alert[]
  /**
   * Any event: when its IP (or subnet) has an open incident, the incident counts the attempt and may escalate.
   * Cheap when it does not (a bit test, seldom a lookup); call it for every event. Do not mutate the returned array.
   */
  onEvent(e: LogEvent, line: string): Alert[]
  /**
   * Whether an incident of `ip` (or of its subnet) is open: all that onEvent looks at for an event that no rule's
   * filter or forgive can match (the engine's prefilter says so), as a site incident counts or forgives only events
   * its rules match. (Without a rule matcher a site incident counts every request of its IPs: then site incidents
   * count too.)
   */
  watchesIp(ip: string): boolean
  /** watchesIp for an IPv4 address given as its 32 bits (`scan` reads them so and makes no string unless asked). */
  watchesIpv4(value: number): boolean
  /** Resolves incidents quiet for `resolve_after` before `now`. Event time in scan, wall in run. Saved by flush(). */
  tick(now: number): Alert[]
  /**
   * Writes the incidents changed since the last write, inside the caller's transaction (the pipeline's, with the
   * batch's checkpoint and alerts), and returns the function to call once that transaction has committed.
   */
  persist(): () => void
  /** persist() in a transaction of its own. */
  flush(): void
  /** The open incidents, current (copies). */
  open(): Incident[]
}

export interface IncidentManagerOptions {
  store: IncidentStore
  config: IncidentsConfig
  team: TeamConfig
  /**
   * The rules as the engine runs them (createRuleMatcher). With it, a site incident adds the IPs that join the attack
   * after the finding and drops IPs that log in successfully, and counts only their attempts; without it, a site
   * incident knows the IPs its findings list and counts all their requests to the site.
   */
  rules?: RuleMatcher
}

interface Tracked {
  inc: Incident
  /** the site under attack (site incidents) */
  site: string | null
  sites: Map<string, number>
  ua: Map<string, number>
  users: Set<string>
  ips: Set<string>
  /** escalations so far (the n of the next escalation alert is this + 1) */
  escalations: number
  alertedAttempts: number
  alertedSites: number
  /** the last event counted, so an event that comes as a finding and as an event counts once */
  lastEvent: LogEvent | null
  dirty: boolean
}

interface Baseline {
  escalations: number
  attempts: number
  sites: number
}

/** Sites whose log lines name none. */
export const UNKNOWN_SITE = '(unknown)'
const MAX_USER_AGENTS = 100
const TOP_USER_AGENTS = 5
const MAX_USERS = 20
const EMPTY: Alert[] = Object.freeze([]) as unknown as Alert[]

/** Bits of the filter in front of `byIp` (a power of two). */
const IP_BITS = 4096

/** An IPv4 address's 32 bits mixed into a bit index (as ipBit, for addresses read as numbers). */
const v4Bit = (v: number): number => (Math.imul(v | 0, 0x9e3779b1) >>> 20) & (IP_BITS - 1)

/**
 * A few characters of an IP (its length and last four) mixed into a bit index: every event's IP is looked up, and
 * the few open incidents' IPs rarely share it, so most lookups end at one bit.
 */
const ipBit = (ip: string): number => {
  const n = ip.length
  let h = n
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) h = Math.imul(h ^ ip.charCodeAt(i), 0x9e3779b1)
  return (h >>> 20) & (IP_BITS - 1)
}

const byCountDesc = (a: [string, number], b: [string, number]): number => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)

/** Sites most-hit first. */
export const sitesByCount = (sites: Record<string, number>): string[] =>
  Object.entries(sites)
    .sort(byCountDesc)
    .map(([s]) => s)

export function createIncidentManager(opts: IncidentManagerOptions): IncidentManager {
  const { store, config, team } = opts
  const matcher = opts.rules
  const open = new Map<string, Tracked>()
  /** ip → its open ip or subnet incident */
  const byIp = new Map<string, Tracked>()
  /** ipBit of every key of byIp is set (and some bits of IPs gone since the last rebuild, see tick) */
  let ipBits = new Uint8Array(IP_BITS)
  /** byIp lost keys since ipBits was last rebuilt */
  let ipsGone = false
  /** the same for the IPv4 keys of byIp by their 32 bits */
  let v4Bits = new Uint8Array(IP_BITS)
  const markIp = (ip: string): void => {
    ipBits[ipBit(ip)] = 1
    const v = parseIpv4(ip)
    if (v >= 0) v4Bits[v4Bit(v)] = 1
  }
  const setIp = (ip: string, t: Tracked): void => {
    byIp.set(ip, t)
    markIp(ip)
  }
  /** subnet → its open subnet incident */
  const bySubnet = new Map<string, Tracked>()
  /** subnet → open ip incidents inside it (candidates for a roll-up) */
  const ipIncidentsBySubnet = new Map<string, Tracked[]>()
  /** site → its open site incident */
  const bySite = new Map<string, Tracked>()
  const subnetCache = new Map<string, string>()
  /** open subnet incidents of IPv6 (/64) and of IPv4 (/24) subnets: an IP of the other family has none to look up */
  let v6Subnets = 0
  let v4Subnets = 0
  /** the open IPv4 subnet incidents' /24s, as an address's 32 bits >>> 8 */
  const v4Prefixes = new Set<number>()
  const countSubnets = (): void => {
    v6Subnets = 0
    v4Prefixes.clear()
    for (const key of bySubnet.keys()) {
      if (key.includes(':')) v6Subnets++
      else {
        const v = parseIpv4(key.slice(0, key.indexOf('/')))
        if (v >= 0) v4Prefixes.add(v >>> 8)
      }
    }
    v4Subnets = bySubnet.size - v6Subnets
  }

  const subnet = (ip: string): string => {
    let s = subnetCache.get(ip)
    if (s === undefined) {
      s = subnetOf(ip)
      if (subnetCache.size >= 65_536) subnetCache.clear()
      subnetCache.set(ip, s)
    }
    return s
  }

  // copies: a string cut from the log line would keep the whole read chunk (up to 1 MiB) alive with the incident
  const truncate = (line: string): string =>
    detach(line.length > config.sample_max_chars ? `${line.slice(0, config.sample_max_chars - 1)}…` : line)

  const pushTo = <K, V>(m: Map<K, V[]>, k: K, v: V): void => {
    const list = m.get(k)
    if (!list) m.set(k, [v])
    else if (!list.includes(v)) list.push(v)
  }
  const removeFrom = <K, V>(m: Map<K, V[]>, k: K, v: V): void => {
    const list = m.get(k)
    if (!list) return
    const i = list.indexOf(v)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) m.delete(k)
  }

  /** Adds an attacking IP to an incident and to the lookups that lead events to it. */
  const addIp = (t: Tracked, ip: string): void => {
    if (t.ips.has(ip)) return
    const own = detach(ip)
    t.ips.add(own)
    t.dirty = true
    if (t.inc.kind !== 'site') setIp(own, t)
  }

  const index = (t: Tracked): void => {
    open.set(t.inc.id, t)
    const { kind } = t.inc
    if (kind === 'site') {
      bySite.set(t.site ?? UNKNOWN_SITE, t)
    } else {
      for (const ip of t.ips) setIp(ip, t)
      if (kind === 'subnet' && t.inc.subnet) {
        bySubnet.set(t.inc.subnet, t)
        countSubnets()
      }
      if (kind === 'ip' && t.inc.ip) pushTo(ipIncidentsBySubnet, subnet(t.inc.ip), t)
    }
  }

  const unindex = (t: Tracked): void => {
    open.delete(t.inc.id)
    for (const ip of t.ips) {
      if (byIp.get(ip) === t) {
        byIp.delete(ip)
        ipsGone = true
      }
    }
    if (t.inc.subnet && bySubnet.get(t.inc.subnet) === t) {
      bySubnet.delete(t.inc.subnet)
      countSubnets()
    }
    if (t.inc.ip) removeFrom(ipIncidentsBySubnet, subnet(t.inc.ip), t)
    if (t.site !== null && bySite.get(t.site) === t) bySite.delete(t.site)
  }

  /** Writes the Maps into the plain incident (sites most-hit first, top user agents) and recomputes severity. */
  const sync = (t: Tracked): Incident => {
    const inc = t.inc
    inc.sites = Object.fromEntries([...t.sites].sort(byCountDesc))
    inc.userAgents = Object.fromEntries([...t.ua].sort(byCountDesc).slice(0, TOP_USER_AGENTS))
    inc.users = [...t.users]
    inc.ips = [...t.ips]
    inc.severity = severityOf({ kind: inc.kind, attempts: inc.attempts, sites: t.sites.size, rules: inc.rules })
    return inc
  }

  /**
   * Incidents changed since the last flush. They are written by flush(), which the pipeline calls inside the same
   * transaction as the batch's checkpoint and alerts: an incident step and its alert land together or not at all.
   */
  const unsaved = new Set<Tracked>()
  const baselineUnsaved = new Set<Tracked>()

  const saveBaseline = (t: Tracked): void => {
    const b: Baseline = { escalations: t.escalations, attempts: t.alertedAttempts, sites: t.alertedSites }
    store.setMeta(`incident:${t.inc.id}`, JSON.stringify(b))
  }

  const makeAlert = (t: Tracked, step: IncidentStep, at: number): Alert => {
    const inc = sync(t)
    inc.step = step
    inc.duty = whoIsOnDuty(team, inc.firstSeen, Object.keys(inc.sites))
    let n = 1
    if (step === 'escalated') n = ++t.escalations
    t.alertedAttempts = inc.attempts
    t.alertedSites = t.sites.size
    unsaved.add(t)
    baselineUnsaved.add(t)
    return { id: `${inc.id}:${step}:${n}`, incidentId: inc.id, step, createdAt: at, incident: structuredClone(inc) }
  }

  const resolve = (t: Tracked): Alert => {
    unindex(t)
    t.inc.status = 'resolved'
    return makeAlert(t, 'resolved', t.inc.lastSeen + config.resolve_after)
  }

  /** An incident quiet for resolve_after before `time` is over: resolve it before `time` can extend it. */
  const live = (t: Tracked | undefined, time: number, alerts: Alert[]): Tracked | undefined => {
    if (t === undefined || time - t.inc.lastSeen < config.resolve_after) return t
    alerts.push(resolve(t))
    return undefined
  }

  /**
   * Counts one event as an attempt of the incident (once per event); with `sites` (a finding's per-site counts of its
   * key), as that many attempts on those sites instead. Attempts stay the sum of the site counts.
   */
  const touch = (t: Tracked, e: LogEvent, line: string, sites?: Record<string, number>): void => {
    if (t.lastEvent === e) return
    t.lastEvent = e
    const inc = t.inc
    let count = 0
    if (sites !== undefined) {
      for (const [s, n] of Object.entries(sites)) {
        if (!(n > 0)) continue
        count += n
        const site = s || UNKNOWN_SITE
        t.sites.set(detach(site), (t.sites.get(site) ?? 0) + n)
      }
    }
    if (count === 0) {
      count = 1
      const site = e.site || UNKNOWN_SITE
      t.sites.set(detach(site), (t.sites.get(site) ?? 0) + 1)
    }
    inc.attempts += count
    if (e.time > inc.lastSeen) inc.lastSeen = e.time
    if (e.time < inc.firstSeen) inc.firstSeen = e.time
    if (inc.samples.length < config.samples) inc.samples.push(truncate(line))
    if (e.userAgent !== '' && (t.ua.size < MAX_USER_AGENTS || t.ua.has(e.userAgent)))
      t.ua.set(detach(e.userAgent), (t.ua.get(e.userAgent) ?? 0) + count)
    if (e.user !== '' && e.user !== '-' && t.users.size < MAX_USERS) t.users.add(detach(e.user))
    if (!t.ips.has(e.ip) && inc.kind !== 'site') addIp(t, e.ip)
    t.dirty = true
  }

  const grewEnough = (t: Tracked): boolean =>
    t.inc.attempts >= t.alertedAttempts * config.escalate_factor ||
    t.sites.size >= t.alertedSites + config.escalate_sites

  const create = (kind: IncidentKind, f: Finding, fields: { ip: string | null; subnet: string | null }): Tracked => {
    const t: Tracked = {
      site: kind === 'site' ? f.key : null,
      inc: {
        id: String(store.incidents.nextId()),
        kind,
        ip: fields.ip,
        subnet: fields.subnet,
        ips: [],
        sites: {},
        rules: [f.rule],
        attempts: 0,
        firstSeen: f.time,
        lastSeen: f.time,
        severity: 'low',
        status: 'open',
        step: 'opened',
        samples: [],
        userAgents: {},
        users: [],
        duty: null,
      },
      sites: new Map(),
      ua: new Map(),
      users: new Set(),
      ips: new Set(),
      escalations: 0,
      alertedAttempts: 0,
      alertedSites: 0,
      lastEvent: null,
      dirty: true,
    }
    if (kind === 'site') t.sites.set(f.key, 0) // the site under attack names the incident, whatever the event says
    for (const ip of kind === 'ip' ? [f.event.ip] : f.ips) t.ips.add(detach(ip))
    index(t)
    return t
  }

  /** Turns the open ip incidents of a subnet into one subnet incident (the oldest keeps its id). */
  const rollUp = (net: string): Tracked | undefined => {
    const list = ipIncidentsBySubnet.get(net)
    if (!list || list.length === 0) return undefined
    const [keep, ...others] = [...list].sort((a, b) => a.inc.firstSeen - b.inc.firstSeen) as [Tracked, ...Tracked[]]
    unindex(keep)
    keep.inc.kind = 'subnet'
    keep.inc.ip = null
    keep.inc.subnet = net
    for (const o of others) {
      // Two open ip incidents in one subnet only come from a store written by another version; fold them in quietly.
      unindex(o)
      merge(keep, o)
      o.inc.status = 'resolved'
      unsaved.add(o)
    }
    index(keep)
    keep.dirty = true
    return keep
  }

  const merge = (into: Tracked, from: Tracked): void => {
    into.inc.attempts += from.inc.attempts
    for (const [s, n] of from.sites) into.sites.set(s, (into.sites.get(s) ?? 0) + n)
    for (const [u, n] of from.ua) into.ua.set(u, (into.ua.get(u) ?? 0) + n)
    for (const u of from.users) if (into.users.size < MAX_USERS) into.users.add(u)
    for (const ip of from.ips) into.ips.add(ip)
    for (const r of from.inc.rules) if (!into.inc.rules.includes(r)) into.inc.rules.push(r)
    for (const s of from.inc.samples) if (into.inc.samples.length < config.samples) into.inc.samples.push(s)
    into.inc.firstSeen = Math.min(into.inc.firstSeen, from.inc.firstSeen)
    into.inc.lastSeen = Math.max(into.inc.lastSeen, from.inc.lastSeen)
  }

  /** The incident a finding belongs to, creating or rolling up as needed; `rolled` tells whether it became a subnet. */
  const incidentFor = (f: Finding, alerts: Alert[]): { t: Tracked; created: boolean; rolled: boolean } => {
    const time = f.time
    if (f.keyKind === 'site') {
      const t = live(bySite.get(f.key), time, alerts)
      return t
        ? { t, created: false, rolled: false }
        : { t: create('site', f, { ip: null, subnet: null }), created: true, rolled: false }
    }
    if (f.keyKind === 'subnet') {
      const net = f.key.includes('/') ? f.key : subnet(f.key)
      const existing = live(bySubnet.get(net), time, alerts)
      if (existing) return { t: existing, created: false, rolled: false }
      for (const o of [...(ipIncidentsBySubnet.get(net) ?? [])]) live(o, time, alerts)
      const rolled = rollUp(net)
      if (rolled) return { t: rolled, created: false, rolled: true }
      return { t: create('subnet', f, { ip: null, subnet: net }), created: true, rolled: false }
    }
    const ip = f.event.ip
    const net = subnet(ip)
    const mine = live(byIp.get(ip), time, alerts) ?? live(bySubnet.get(net), time, alerts)
    if (mine) return { t: mine, created: false, rolled: false }
    for (const o of [...(ipIncidentsBySubnet.get(net) ?? [])]) live(o, time, alerts)
    const rolled = rollUp(net)
    if (rolled) return { t: rolled, created: false, rolled: true }
    return { t: create('ip', f, { ip, subnet: null }), created: true, rolled: false }
  }

  /** What an event on a site under attack means for the site incident. */
  const siteVerdict = (t: Tracked, e: LogEvent): 'attempt' | 'forgive' | null => {
    if (matcher === undefined) return t.ips.has(e.ip) ? 'attempt' : null
    let verdict: 'attempt' | 'forgive' | null = null
    for (const rule of t.inc.rules) {
      const v = matcher.classify(rule, e)
      if (v === 'forgive') return v
      if (v === 'attempt') verdict = v
    }
    return verdict
  }

  // Continue what the store has open (a restart).
  for (const inc of store.incidents.open()) {
    let b: Partial<Baseline> = {}
    try {
      b = JSON.parse(store.getMeta(`incident:${inc.id}`) ?? '{}') as Partial<Baseline>
    } catch {
      // a damaged baseline only makes the next escalation come sooner
    }
    const t: Tracked = {
      inc,
      site: inc.kind === 'site' ? (Object.keys(inc.sites)[0] ?? UNKNOWN_SITE) : null,
      sites: new Map(Object.entries(inc.sites)),
      ua: new Map(Object.entries(inc.userAgents)),
      users: new Set(inc.users),
      ips: new Set(inc.ips),
      escalations: b.escalations ?? 0,
      alertedAttempts: b.attempts ?? inc.attempts,
      alertedSites: b.sites ?? Object.keys(inc.sites).length,
      lastEvent: null,
      dirty: false,
    }
    index(t)
  }

  const persist = (): (() => void) => {
    for (const t of open.values()) if (t.dirty) unsaved.add(t)
    const written = [...unsaved]
    const baselines = [...baselineUnsaved]
    for (const t of written) store.incidents.save(sync(t))
    for (const t of baselines) saveBaseline(t)
    // marked saved only once the caller's transaction has committed: a failed write (disk full) is tried again
    return () => {
      for (const t of written) {
        t.dirty = false
        unsaved.delete(t)
      }
      for (const t of baselines) baselineUnsaved.delete(t)
    }
  }

  /** The open incident of `ip` (or of its subnet). */
  const ipOf = (ip: string): Tracked | undefined => {
    const t = ipBits[ipBit(ip)] === 1 ? byIp.get(ip) : undefined
    if (t !== undefined || bySubnet.size === 0) return t
    return (ip.includes(':') ? v6Subnets : v4Subnets) > 0 ? bySubnet.get(subnet(ip)) : undefined
  }
  /**
   * The open site incident an event of `ip` on `site` concerns. Lines that name no site could be any site's: they
   * only join the "(unknown)" site incident through the engine's findings, but one of its IPs logging in is still a
   * user, not an attacker.
   */
  const siteOf = (ip: string, site: string): Tracked | undefined => {
    if (bySite.size === 0) return undefined
    if (site !== '') return bySite.get(site)
    const t = bySite.get(UNKNOWN_SITE)
    return t?.ips.has(ip) ? t : undefined
  }
  return {
    onFinding(found, line) {
      // lines that name no site: a distributed attack on them is on "(unknown)", as their sites are everywhere else
      const f = found.keyKind === 'site' && found.key === '' ? { ...found, key: UNKNOWN_SITE } : found
      const alerts: Alert[] = []
      const { t, created, rolled } = incidentFor(f, alerts)
      const newRule = !t.inc.rules.includes(f.rule)
      if (newRule) t.inc.rules.push(f.rule)
      // an IP new to the incident brings its window's attempts; a known one has had its events counted already
      const newIp = (f.keyKind === 'ip' || f.keyKind === 'ip+site') && !t.ips.has(f.event.ip)
      for (const ip of f.ips) addIp(t, ip)
      if (f.keyKind !== 'site' && t.inc.kind !== 'site') addIp(t, f.event.ip)
      if (created) {
        // the key's attempts so far, on the sites they were made on (a site incident: its window's count)
        const e = f.event
        if (t.inc.kind === 'site') {
          t.lastEvent = e
          t.inc.attempts = Math.max(1, f.count)
          t.sites.set(f.key, t.inc.attempts)
          if (config.samples > 0) t.inc.samples.push(truncate(line))
          if (e.userAgent) t.ua.set(detach(e.userAgent), 1)
          if (e.user && e.user !== '-') t.users.add(detach(e.user))
        } else {
          // every site of the key's events so far, not only the site of the event that crossed the threshold
          touch(t, e, line, f.sites)
        }
        // the attack started with the key's first counted event, not with the one that crossed the threshold
        t.inc.firstSeen = Math.min(t.inc.firstSeen, e.time, f.since ?? e.time)
        alerts.push(makeAlert(t, 'opened', f.time))
        return alerts
      }
      touch(t, f.event, line, newIp ? f.sites : undefined)
      if (f.time > t.inc.lastSeen) t.inc.lastSeen = f.time
      if (newRule || rolled || grewEnough(t)) alerts.push(makeAlert(t, 'escalated', f.time))
      return alerts
    },

    watchesIpv4(value) {
      if (open.size === 0) return false
      if (v4Bits[v4Bit(value)] === 1 && byIp.has(ipv4FromBits(value))) return true
      if (v4Subnets > 0 && (v4Prefixes.size < v4Subnets || v4Prefixes.has(value >>> 8))) {
        if (bySubnet.has(subnet(ipv4FromBits(value)))) return true
      }
      return matcher === undefined && bySite.size > 0
    },

    watchesIp(ip) {
      if (open.size === 0) return false
      return ipOf(ip) !== undefined || (matcher === undefined && bySite.size > 0)
    },

    onEvent(e, line) {
      if (open.size === 0) return EMPTY
      let t = ipOf(e.ip)
      const siteless = e.site === ''
      const site = siteOf(e.ip, e.site)
      if (t === undefined && site === undefined) return EMPTY
      let alerts = EMPTY
      if (t !== undefined && e.time - t.inc.lastSeen >= config.resolve_after) {
        alerts = [resolve(t)]
        t = undefined
      }
      if (t !== undefined) {
        touch(t, e, line)
        if (grewEnough(t)) {
          if (alerts === EMPTY) alerts = []
          alerts.push(makeAlert(t, 'escalated', e.time))
        }
      }
      if (site !== undefined) {
        const verdict = siteVerdict(site, e)
        if (verdict === 'forgive') {
          // a user who logs in is not an attacker
          if (site.ips.delete(e.ip)) site.dirty = true
        } else if (verdict === 'attempt' && !siteless) {
          if (alerts === EMPTY) alerts = []
          const st = live(site, e.time, alerts)
          if (st !== undefined) {
            addIp(st, e.ip)
            touch(st, e, line)
            if (grewEnough(st)) alerts.push(makeAlert(st, 'escalated', e.time))
          }
        }
      }
      return alerts.length === 0 ? EMPTY : alerts
    },

    tick(now) {
      const alerts: Alert[] = []
      for (const t of [...open.values()]) {
        if (now - t.inc.lastSeen >= config.resolve_after) alerts.push(resolve(t))
      }
      if (ipsGone) {
        ipsGone = false
        ipBits = new Uint8Array(IP_BITS)
        v4Bits = new Uint8Array(IP_BITS)
        for (const ip of byIp.keys()) markIp(ip)
      }
      return alerts
    },

    persist,

    flush() {
      store.transaction(persist)()
    },

    open: () => [...open.values()].map((t) => structuredClone(sync(t))),
  }
}
