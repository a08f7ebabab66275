import { createIpMatcher } from '../../core/ip.js'
import type { Finding, LogEvent } from '../../core/types.js'
import { compileRules, detectionConfig } from '../config.js'
import { createEngine, type Engine } from '../engine.js'

/** 2024-05-01T10:00:00Z: scenario times are offsets from here */
export const T0 = Date.UTC(2024, 4, 1, 10, 0, 0)
export const SEC = 1000
export const MIN = 60 * SEC
export const HOUR = 60 * MIN

/** A LogEvent with everyday defaults (a GET of / answered 200 on shop.example); `at` is ms after T0. */
export function event(over: Partial<LogEvent> & { at?: number } = {}): LogEvent {
  const { at = 0, ...rest } = over
  const [path = '/', query = ''] = (rest.path ?? '/').split('?', 2)
  return {
    time: T0 + at,
    ip: '203.0.113.7',
    site: 'shop.example',
    service: 'http',
    method: 'GET',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 512,
    referer: '',
    userAgent: 'Mozilla/5.0',
    user: '',
    outcome: '',
    ...rest,
    path,
    query: rest.query ?? query,
  }
}

/** An engine over the default packs plus `config` (as written in YAML). */
export function engineFor(config: unknown = {}, opts: { maxTrackedKeys?: number; allow?: string[] } = {}): Engine {
  const cfg = detectionConfig.parse(config)
  return createEngine(compileRules(cfg), {
    maxTrackedKeys: opts.maxTrackedKeys ?? cfg.max_tracked_keys,
    allow: createIpMatcher(opts.allow ?? []),
  })
}

/** Feeds events in order; returns every finding. */
export function run(engine: Engine, events: Iterable<LogEvent>): Finding[] {
  const out: Finding[] = []
  for (const e of events) out.push(...engine.observe(e))
  return out
}

/** `n` events from `make(i)` spaced `every` ms apart, starting at `start`. */
export function* series(
  n: number,
  every: number,
  make: (i: number, at: number) => LogEvent,
  start = 0,
): Generator<LogEvent> {
  for (let i = 0; i < n; i++) yield make(i, start + i * every)
}

/** Events sorted by time (for mixing several series). */
export const merge = (...lists: Iterable<LogEvent>[]): LogEvent[] =>
  lists.flatMap((l) => [...l]).sort((a, b) => a.time - b.time)

export const failedLogin = (ip: string, at: number, site = 'shop.example'): LogEvent =>
  event({ ip, at, site, method: 'POST', path: '/wp-login.php', status: 200 })
export const successfulLogin = (ip: string, at: number, site = 'shop.example'): LogEvent =>
  event({ ip, at, site, method: 'POST', path: '/wp-login.php', status: 302 })
export const xmlrpc = (ip: string, at: number, site = 'shop.example'): LogEvent =>
  event({ ip, at, site, method: 'POST', path: '/xmlrpc.php', status: 200 })

/** "rule key" of each finding, for compact assertions */
export const summary = (fs: readonly Finding[]): string[] => fs.map((f) => `${f.rule} ${f.keyKind}:${f.key} ${f.count}`)
