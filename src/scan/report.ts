import type { Incident, IncidentKind, Severity } from '../core/types.js'
import { sitesByCount } from '../incidents/manager.js'
import { severityRank } from '../incidents/severity.js'
import type { ScanReport } from './scan.js'

/** One incident of `lookout scan --json`. */
export interface ScanIncidentJson {
  id: string
  kind: IncidentKind
  ip: string | null
  subnet: string | null
  ips: string[]
  rules: string[]
  /** site names, most-hit first */
  sites: string[]
  attempts: number
  /** ISO 8601, UTC */
  firstSeen: string
  lastSeen: string
  severity: Severity
  /** the name of the member who should act (see `lookout duty`), null when nobody is designated */
  duty: string | null
}

export interface ScanReportJson {
  lines: number
  parsed: number
  unparsed: number
  incidents: ScanIncidentJson[]
}

/** Most severe first, then the oldest. */
const bySeverity = (a: Incident, b: Incident): number =>
  severityRank(a.severity) - severityRank(b.severity) || a.firstSeen - b.firstSeen

/**
 * The `--json` document, exactly these keys. `duty` is the person's name only (a string, not the DutyPerson object):
 * scripts compare it with `team.members[].name`; the Slack ID and the reason are in the config and `lookout duty`.
 */
export function scanReportJson(r: ScanReport): ScanReportJson {
  return {
    lines: r.lines,
    parsed: r.parsed,
    unparsed: r.unparsed,
    incidents: [...r.incidents].sort(bySeverity).map((i) => ({
      id: i.id,
      kind: i.kind,
      ip: i.ip,
      subnet: i.subnet,
      ips: i.ips,
      rules: i.rules,
      sites: sitesByCount(i.sites),
      attempts: i.attempts,
      firstSeen: new Date(i.firstSeen).toISOString(),
      lastSeen: new Date(i.lastSeen).toISOString(),
      severity: i.severity,
      duty: i.duty?.name ?? null,
    })),
  }
}

const num = (n: number): string => n.toLocaleString('en-US')
const plural = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`

const stamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')

function span(first: number, last: number): string {
  const mins = Math.round((last - first) / 60_000)
  const dur = mins < 1 ? 'under a minute' : mins < 120 ? `${mins} min` : `${(mins / 60).toFixed(1)} h`
  const end = stamp(last)
  const sameDay = end.slice(0, 10) === stamp(first).slice(0, 10)
  return `${stamp(first)} → ${sameDay ? end.slice(11) : end} UTC (${dur})`
}

function attacker(i: Incident): string {
  if (i.kind === 'ip') return i.ip ?? i.ips[0] ?? '?'
  if (i.kind === 'subnet') return `subnet ${i.subnet ?? '?'} (${plural(i.ips.length, 'IP')})`
  return `${plural(i.ips.length, 'IP')} together against ${Object.keys(i.sites)[0] ?? 'one site'}`
}

function sitesLine(i: Incident): string {
  const names = sitesByCount(i.sites)
  const shown = names.slice(0, 3).map((s) => `${s} (${num(i.sites[s] ?? 0)})`)
  return names.length > 3 ? `${shown.join(', ')} and ${num(names.length - 3)} more` : shown.join(', ')
}

interface Paint {
  sev: (s: Severity, text: string) => string
  bold: (t: string) => string
  dim: (t: string) => string
  green: (t: string) => string
}

const ansi = (code: string) => (t: string) => `\x1b[${code}m${t}\x1b[0m`
const SEV_CODE: Record<Severity, string> = { critical: '1;31', high: '31', medium: '33', low: '36' }

const paint = (color: boolean): Paint =>
  color
    ? { sev: (s, t) => ansi(SEV_CODE[s])(t), bold: ansi('1'), dim: ansi('2'), green: ansi('32') }
    : { sev: (_s, t) => t, bold: (t) => t, dim: (t) => t, green: (t) => t }

/** The human report: incidents most severe first (who, what, where, when, who should act), then the lines read. */
export function renderScanReport(r: ScanReport, opts: { color: boolean }): string {
  const p = paint(opts.color)
  const out: string[] = []
  const incidents = [...r.incidents].sort(bySeverity)
  if (incidents.length === 0) {
    out.push(p.green(`All quiet: no incidents in ${plural(r.lines, 'line')}.`), '')
  } else {
    const counts = (['critical', 'high', 'medium', 'low'] as const)
      .map((s) => [s, incidents.filter((i) => i.severity === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => p.sev(s, `${n} ${s}`))
    out.push(`${p.bold(`${plural(incidents.length, 'incident')} found`)} (${counts.join(', ')}):`, '')
    for (const i of incidents) {
      const label = p.sev(i.severity, i.severity.toUpperCase().padEnd(8))
      const state = i.status === 'open' ? 'still going at the end of the logs' : 'over'
      out.push(`${label}  #${i.id}  ${p.bold(attacker(i))}`)
      out.push(`          rules:    ${i.rules.join(', ')}`)
      out.push(`          sites:    ${sitesLine(i)}`)
      out.push(`          attempts: ${num(i.attempts)}`)
      out.push(`          when:     ${span(i.firstSeen, i.lastSeen)}, ${state}`)
      if (i.users.length > 0) out.push(`          users:    ${i.users.slice(0, 5).join(', ')}`)
      if (i.kind !== 'ip' && i.ips.length > 0) {
        const more = i.ips.length > 8 ? ` and ${num(i.ips.length - 8)} more` : ''
        out.push(`          IPs:      ${i.ips.slice(0, 8).join(', ')}${more}`)
      }
      const duty = i.duty
      out.push(
        `          act:      ${duty ? `${duty.name} (${duty.reason})` : p.dim('nobody designated (add team.members to the config)')}`,
      )
      out.push('')
    }
  }
  const understood = r.unparsed === 0 ? 'all understood' : `${num(r.parsed)} understood, ${num(r.unparsed)} not`
  out.push(p.dim(`Read ${plural(r.lines, 'line')}: ${understood}.`))
  if (r.unparsed > 0)
    out.push(p.dim('(`lookout parse FILE` says why a line is not understood; `--format` sets the format.)'))
  return `${out.join('\n')}\n`
}
