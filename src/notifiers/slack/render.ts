/**
 * Alert → Slack message. Layout from slack-reference.md ("Recommended alert layout"), voice from issue 4:
 * cheerful, never alarming about small things. Safety from "Escaping untrusted text": every log-derived string
 * goes through `code()`/`codeBlock()` (normalised, escaped, wrapped, cut), every mrkdwn object is verbatim, and
 * plain text (header, fallback `text`) is built only from validated values (IP, counts, plain site names, ids).
 * Each part has its own cap, so a message fits the whole-payload budget by construction; `validateSlackPayload`
 * checks it anyway.
 */
import type { Alert, DutyPerson, Incident, Severity } from '../../core/types.js'
import type { BlockCommand, Templates } from '../config.js'
import {
  code,
  codeBlock,
  cut,
  fillTemplate,
  num,
  plural,
  prose,
  safeId,
  safeName,
  span,
  validAddress,
} from '../text.js'
import { blockCommands } from './block-commands.js'
import { type Block, context, fields, header, LIMITS, type SlackPayload, section } from './blocks.js'

export interface RenderOptions {
  /** this server's name, shown in the context line */
  hostname: string
  blockCommands: readonly BlockCommand[]
  templates?: Templates | undefined
  /** severities at which the duty person is @-mentioned (default medium and up) */
  mentionOn?: readonly Severity[] | undefined
}

const EMOJI: Record<Severity, string> = {
  low: ':large_blue_circle:',
  medium: ':large_yellow_circle:',
  high: ':large_orange_circle:',
  critical: ':red_circle:',
}

const TONE: Record<Severity, string> = {
  low: 'Nothing to worry about yet, just keeping you posted. :relaxed:',
  medium: 'Worth a look when you have a minute.',
  high: 'Worth blocking soon.',
  critical: 'This one is busy: please block it now.',
}

const FIELD_MAX = 300
const SUMMARY_MAX = 1500

/** What the attacker is up to, in words, from the rule names (ours or the operator's). */
export function activity(rules: string[]): string {
  const r = rules.join(' ').toLowerCase()
  if (/login|auth|passw|brute|xmlrpc|ssh|ftp|smtp|imap/.test(r)) return 'trying passwords'
  if (/scan|probe|404|enum|sensitive|exploit/.test(r)) return 'poking around'
  if (/flood|rate|dos|rps|request/.test(r)) return 'hammering'
  return 'knocking'
}

const sortedSites = (i: Incident): Array<[string, number]> => Object.entries(i.sites).sort((a, b) => b[1] - a[1])

/** Items joined with ', ' within `budget` characters, then "+N more". Never cuts inside an item. */
function listWithin(items: string[], budget: number, sep = ', '): string {
  const out: string[] = []
  let used = 0
  for (let k = 0; k < items.length; k++) {
    const item = items[k] as string
    const rest = items.length - k - 1
    const tail = rest > 0 ? ` +${num(rest)} more`.length : 0
    if (used + item.length + sep.length + tail > budget && out.length > 0) {
      return `${out.join(sep)} +${num(items.length - k)} more`
    }
    out.push(item)
    used += item.length + sep.length
  }
  return out.join(sep)
}

/** The attacker in plain text (header, fallback): validated address, or a count of addresses. */
function attackerPlain(i: Incident): string {
  if (i.kind === 'ip') return validAddress(i.ip)?.addr ?? 'an unknown address'
  if (i.kind === 'subnet') return validAddress(i.subnet)?.addr ?? 'one network'
  return plural(i.ips.length, 'address', 'addresses')
}

/** The attacker in mrkdwn. */
function attackerMrkdwn(i: Incident): string {
  if (i.kind === 'ip') return code(i.ip ?? '?', 60)
  if (i.kind === 'subnet') return code(i.subnet ?? '?', 60)
  return plural(i.ips.length, 'address', 'addresses')
}

/** "`shop.example`", "`a` and `b`", or "3 of our sites". */
function sitesPhrase(i: Incident): string {
  const names = sortedSites(i).map(([s]) => s)
  if (names.length === 0) return 'our sites'
  if (names.length === 1) return code(names[0] as string, 80)
  if (names.length === 2) return `${code(names[0] as string, 80)} and ${code(names[1] as string, 80)}`
  return `${num(names.length)} of our sites`
}

/** Sites in plain text: a plain site name, or a count. */
function sitesPlain(i: Incident): string {
  const names = Object.keys(i.sites)
  const only = names.length === 1 ? safeName(names[0]) : null
  if (only) return only
  return names.length === 0 ? 'our sites' : plural(names.length, 'site')
}

const incidentLabel = (i: Incident): string => `#${safeId(i.id)}`

function placeholders(alert: Alert, hostname: string): Record<string, string> {
  const i = alert.incident
  return {
    attacker: attackerMrkdwn(i),
    ip: attackerMrkdwn(i),
    ip_count: num(i.ips.length),
    sites: sitesPhrase(i),
    site_count: num(Object.keys(i.sites).length),
    attempts: num(i.attempts),
    span: span(i.lastSeen - i.firstSeen),
    severity: i.severity.toUpperCase(),
    incident: incidentLabel(i),
    rules: i.rules
      .slice(0, 5)
      .map((r) => code(r, 60))
      .join(', '),
    hostname: code(hostname, 60),
    activity: activity(i.rules),
    tone: TONE[i.severity],
  }
}

const DEFAULT_OPENED: Record<Incident['kind'], string> = {
  ip: 'Someone at {attacker} is {activity} on {sites}: {attempts} tries in {span}. {tone}',
  subnet: 'Someone in {attacker} ({ip_count} addresses) is {activity} on {sites}: {attempts} tries in {span}. {tone}',
  site: '{ip_count} addresses are {activity} on {sites} together: {attempts} tries in {span}. {tone}',
}
const DEFAULT_ESCALATED =
  'Incident {incident} grew: {attacker} is now at {attempts} tries on {sites} over {span}, severity {severity}. {tone}'
const DEFAULT_RESOLVED =
  'Incident {incident} is over: {attacker} went quiet after {attempts} tries on {sites} over {span}. :tada:'
const DEFAULT_DIGEST =
  '{count} alerts arrived at once (a botnet, probably). Here they are in one message so the channel stays calm:'

export function summaryLine(alert: Alert, opts: RenderOptions): string {
  const t = opts.templates
  const template =
    alert.step === 'opened'
      ? (t?.opened ?? DEFAULT_OPENED[alert.incident.kind])
      : alert.step === 'escalated'
        ? (t?.escalated ?? DEFAULT_ESCALATED)
        : (t?.resolved ?? DEFAULT_RESOLVED)
  return cut(fillTemplate(template, placeholders(alert, opts.hostname)), SUMMARY_MAX)
}

const SLACK_USER = /^[UW][A-Z0-9]{2,30}$/
const SLACK_GROUP = /^S[A-Z0-9]{2,30}$/

/** The person in mrkdwn: a mention when allowed and the ID is a real Slack ID, else their name. */
export function personMrkdwn(p: DutyPerson, mention: boolean): string {
  const reason = p.reason ? ` (${prose(p.reason, 60)})` : ''
  if (mention && p.slack && SLACK_USER.test(p.slack)) return `<@${p.slack}>${reason}`
  if (mention && p.slack && SLACK_GROUP.test(p.slack)) return `<!subteam^${p.slack}>${reason}`
  return `*${prose(p.name, 80)}*${reason}`
}

const mentions = (i: Incident, opts: RenderOptions): boolean =>
  (opts.mentionOn ?? ['medium', 'high', 'critical']).includes(i.severity)

function whoShouldAct(i: Incident, opts: RenderOptions): string {
  if (!i.duty) return '*Who should act:* nobody is named in the team config, so whoever sees this first :wave:'
  return `*Who should act:* ${personMrkdwn(i.duty, mentions(i, opts))}`
}

/** The mention for the fallback line, or '' (only validated IDs). */
function fallbackMention(i: Incident, opts: RenderOptions): string {
  const id = i.duty?.slack
  if (!id || !mentions(i, opts)) return ''
  if (SLACK_USER.test(id)) return ` <@${id}> please have a look.`
  if (SLACK_GROUP.test(id)) return ` <!subteam^${id}> please have a look.`
  return ''
}

function firstSeen(ms: number): string {
  const unix = Math.floor(ms / 1000)
  const iso = new Date(unix * 1000).toISOString().slice(0, 16).replace('T', ' ')
  return `<!date^${unix}^{date_short_pretty} at {time}|${iso} UTC>`
}

/** Addresses a block command may name: the attacker's, validated, at most `max`. */
function blockTargets(i: Incident, max: number): string[] {
  const list = i.kind === 'ip' ? [i.ip] : i.kind === 'subnet' ? [i.subnet] : i.ips
  const out: string[] = []
  for (const a of list) {
    const v = validAddress(a)
    if (v && !out.includes(v.addr)) out.push(v.addr)
    if (out.length >= max) break
  }
  return out
}

function commandSection(targets: string[], kinds: readonly BlockCommand[], note: string, extra = 0): Block | null {
  const lines = blockCommands(kinds, targets, note)
  if (lines.length === 0) return null
  const more = extra > 0 ? ` (the first ${num(targets.length)}; ${num(extra)} more in \`lookout status\`)` : ''
  return section(`*To block it*, copy and run as root${more}:\n${codeBlock(lines, 1200, 20, 200)}`)
}

function contextLine(alert: Alert, opts: RenderOptions): Block {
  return context([
    `lookout on ${code(opts.hostname, 80)} · incident ${code(alert.incidentId, 40)} · ${alert.step} · alert ${code(alert.id, 80)}`,
  ])
}

function headerText(alert: Alert): string {
  const i = alert.incident
  const who = attackerPlain(i)
  const site = i.kind === 'site' ? safeName(Object.keys(i.sites)[0]) : null
  let text: string
  if (alert.step === 'resolved') text = `:white_check_mark: ${who} went quiet`
  else if (alert.step === 'escalated')
    text = `${EMOJI[i.severity]} ${who} ${i.kind === 'site' ? 'are' : 'is'} still at it`
  else if (i.kind === 'site') text = `${EMOJI[i.severity]} ${who} ${activity(i.rules)} on ${site ?? 'one site'}`
  else text = `${EMOJI[i.severity]} ${who} is ${activity(i.rules)}`
  return cut(text, LIMITS.HEADER)
}

/** The notification line: reads well on a phone; only validated values. */
export function fallbackText(alert: Alert, opts: RenderOptions): string {
  const i = alert.incident
  const id = safeId(i.id)
  const who = attackerPlain(i)
  const where = sitesPlain(i)
  let text: string
  if (alert.step === 'resolved') {
    text = `:white_check_mark: ${who} went quiet after ${num(i.attempts)} tries on ${where} (incident ${id} resolved).`
  } else {
    const lead = `${EMOJI[i.severity]} ${i.severity.toUpperCase()}: ${who} ${i.kind === 'site' ? 'are' : 'is'} ${activity(i.rules)} on ${where}`
    const grew = alert.step === 'escalated' ? ' and still at it' : ''
    text = `${lead}${grew}: ${num(i.attempts)} tries in ${span(i.lastSeen - i.firstSeen)}.${fallbackMention(i, opts)} (incident ${id})`
  }
  return cut(text, LIMITS.TEXT)
}

function openedBlocks(alert: Alert, opts: RenderOptions): Block[] {
  const i = alert.incident
  const f: string[] = []
  if (i.kind === 'ip') f.push(`*Attacker*\n${code(i.ip ?? '?', 60)}`)
  else if (i.kind === 'subnet')
    f.push(`*Network*\n${code(i.subnet ?? '?', 60)} · ${plural(i.ips.length, 'address', 'addresses')}`)
  else
    f.push(
      `*Addresses*\n${listWithin(
        i.ips.map((a) => code(a, 60)),
        FIELD_MAX - 20,
      )}`,
    )
  f.push(`*Severity*\n${EMOJI[i.severity]} ${i.severity.toUpperCase()}`)
  f.push(
    `*Sites*\n${listWithin(
      sortedSites(i).map(([s, n]) => `${code(s, 80)} (${num(n)})`),
      FIELD_MAX - 10,
    )}`,
  )
  f.push(`*Attempts*\n${num(i.attempts)} in ${span(i.lastSeen - i.firstSeen)}`)
  f.push(`*First seen*\n${firstSeen(i.firstSeen)}`)
  if (i.rules.length)
    f.push(
      `*Rules*\n${listWithin(
        i.rules.map((r) => code(r, 60)),
        FIELD_MAX - 10,
      )}`,
    )
  if (i.users.length)
    f.push(
      `*Users tried*\n${listWithin(
        i.users.map((u) => code(u, 60)),
        FIELD_MAX - 15,
      )}`,
    )
  const uas = Object.entries(i.userAgents).sort((a, b) => b[1] - a[1])
  if (uas.length) {
    f.push(
      `*User agents*\n${listWithin(
        uas.map(([ua, n]) => `${code(ua, 120)} (${num(n)})`),
        FIELD_MAX - 15,
      )}`,
    )
  }

  const blocks: Block[] = [
    header(headerText(alert)),
    section(summaryLine(alert, opts)),
    fields(f.slice(0, LIMITS.FIELDS)),
  ]
  if (i.samples.length) {
    const shown = Math.min(i.samples.length, 5)
    blocks.push(
      section(`*Evidence* (${plural(shown, 'line')} of ${num(i.attempts)})\n${codeBlock(i.samples, 1500, 5, 300)}`),
    )
  }
  blocks.push(section(whoShouldAct(i, opts)))
  const targets = blockTargets(i, 5)
  const total = i.kind === 'site' ? i.ips.length : targets.length
  const cmd = commandSection(targets, opts.blockCommands, `lookout incident ${safeId(i.id)}`, total - targets.length)
  if (cmd) blocks.push(cmd)
  blocks.push(contextLine(alert, opts))
  return blocks
}

function escalatedBlocks(alert: Alert, opts: RenderOptions): Block[] {
  const i = alert.incident
  const blocks: Block[] = [header(headerText(alert)), section(summaryLine(alert, opts)), section(whoShouldAct(i, opts))]
  const targets = blockTargets(i, 5)
  const total = i.kind === 'site' ? i.ips.length : targets.length
  const cmd = commandSection(
    targets,
    opts.blockCommands.slice(0, 1),
    `lookout incident ${safeId(i.id)}`,
    total - targets.length,
  )
  if (cmd) blocks.push(cmd)
  blocks.push(contextLine(alert, opts))
  return blocks
}

function resolvedBlocks(alert: Alert, opts: RenderOptions): Block[] {
  return [header(headerText(alert)), section(summaryLine(alert, opts)), contextLine(alert, opts)]
}

/** One alert as a Block Kit message. */
export function renderSlackMessage(alert: Alert, opts: RenderOptions): SlackPayload {
  const blocks =
    alert.step === 'opened'
      ? openedBlocks(alert, opts)
      : alert.step === 'escalated'
        ? escalatedBlocks(alert, opts)
        : resolvedBlocks(alert, opts)
  return { text: fallbackText(alert, opts), blocks }
}

/** The minimal text-only version, sent once when Slack refused the rich one as malformed. */
export function renderPlainMessage(alert: Alert, opts: RenderOptions): SlackPayload {
  return {
    text: cut(
      `${fallbackText(alert, opts)} The full message could not be shown; \`lookout outbox\` has the details (alert ${safeId(alert.id)}).`,
      LIMITS.TEXT,
    ),
  }
}

const DIGEST_LIST_MAX = 5000

function digestLine(a: Alert): string {
  const i = a.incident
  const emoji = a.step === 'resolved' ? ':white_check_mark:' : EMOJI[i.severity]
  return `• ${emoji} ${attackerMrkdwn(i)} ${a.step === 'resolved' ? 'went quiet' : activity(i.rules)} on ${sitesPhrase(i)}: ${num(i.attempts)} tries (${incidentLabel(i)} ${a.step})`
}

/** Many alerts for one destination at once (a botnet opening 40 incidents in seconds) as one message. */
export function renderSlackDigest(alerts: Alert[], opts: RenderOptions): SlackPayload {
  const count = num(alerts.length)
  const intro = cut(
    fillTemplate(opts.templates?.summary ?? DEFAULT_DIGEST, { count, hostname: code(opts.hostname, 60) }),
    SUMMARY_MAX,
  )
  const worst = alerts.reduce<Severity>(
    (w, a) => (SEV_RANK[a.incident.severity] > SEV_RANK[w] ? a.incident.severity : w),
    'low',
  )
  const blocks: Block[] = [header(`${EMOJI[worst]} ${count} alerts at once`), section(intro)]

  // The list, packed into sections of at most ~2900 characters, within the digest's list budget.
  let chunk: string[] = []
  let chunkLen = 0
  let used = 0
  let shown = 0
  for (const a of alerts) {
    const line = cut(digestLine(a), 400)
    if (used + line.length > DIGEST_LIST_MAX) break
    if (chunkLen + line.length + 1 > 2900) {
      blocks.push(section(chunk.join('\n')))
      chunk = []
      chunkLen = 0
    }
    chunk.push(line)
    chunkLen += line.length + 1
    used += line.length + 1
    shown++
  }
  if (shown < alerts.length) chunk.push(`…and ${num(alerts.length - shown)} more: \`lookout status\` has them all.`)
  if (chunk.length) blocks.push(section(chunk.join('\n')))

  const people = new Map<string, string>()
  for (const a of alerts) {
    const d = a.incident.duty
    if (d && a.step !== 'resolved') people.set(d.slack ?? d.name, personMrkdwn(d, mentions(a.incident, opts)))
  }
  if (people.size) blocks.push(section(`*Who should act:* ${listWithin([...people.values()], 400)}`))

  const open = alerts.filter((a) => a.step !== 'resolved')
  const targets: string[] = []
  for (const a of open)
    for (const t of blockTargets(a.incident, 10)) if (targets.length < 10 && !targets.includes(t)) targets.push(t)
  const allTargets = new Set(open.flatMap((a) => blockTargets(a.incident, Number.POSITIVE_INFINITY))).size
  const cmd = commandSection(targets, opts.blockCommands.slice(0, 1), 'lookout digest', allTargets - targets.length)
  if (cmd) blocks.push(cmd)
  blocks.push(context([`lookout on ${code(opts.hostname, 80)} · digest of ${plural(alerts.length, 'alert')}`]))
  return { text: digestFallback(alerts), blocks }
}

const SEV_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 }

function digestFallback(alerts: Alert[]): string {
  const names: string[] = []
  for (const a of alerts) {
    const n = attackerPlain(a.incident)
    if (!names.includes(n)) names.push(n)
  }
  const first = names.slice(0, 3).join(', ')
  const more = names.length > 3 ? ` and ${num(names.length - 3)} more` : ''
  const ids = [...new Set(alerts.map((a) => safeId(a.incidentId)))]
  const range = ids.length > 1 ? `incidents ${ids[0]}…${ids[ids.length - 1]}` : `incident ${ids[0]}`
  return cut(`:package: ${plural(alerts.length, 'alert')} at once: ${first}${more} (${range}).`, LIMITS.TEXT)
}

/** The minimal text-only digest. */
export function renderPlainDigest(alerts: Alert[]): SlackPayload {
  return {
    text: cut(
      `${digestFallback(alerts)} The full message could not be shown; \`lookout outbox\` has the details.`,
      LIMITS.TEXT,
    ),
  }
}
