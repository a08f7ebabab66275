import type { Alert, Incident, Severity } from '../../core/types.js'
import type { Notifier } from '../notifier.js'
import { activity } from '../slack/render.js'
import { normalise, num, plural, span } from '../text.js'

export interface ConsoleOptions {
  pacing?: Notifier['pacing']
  /** where to write (default process.stdout) */
  out?: { write(s: string): unknown; isTTY?: boolean }
  /** colours (default: when `out` is a TTY and NO_COLOR is not set) */
  color?: boolean
}

const SGR: Record<Severity | 'dim' | 'bold' | 'green', string> = {
  low: '36',
  medium: '33',
  high: '38;5;208',
  critical: '31;1',
  dim: '2',
  bold: '1',
  green: '32',
}

/** Terminal-safe: log text could carry escape sequences; normalise() turns every control char into U+FFFD. */
const safe = (s: string, max = 80): string => {
  const t = normalise(s)
  return t.length > max ? `${t.slice(0, max - 1)}…` : t
}

function who(i: Incident): string {
  if (i.kind === 'ip') return safe(i.ip ?? '?', 60)
  if (i.kind === 'subnet') return `${safe(i.subnet ?? '?', 60)} (${plural(i.ips.length, 'address', 'addresses')})`
  return plural(i.ips.length, 'address', 'addresses')
}

function sitesText(i: Incident): string {
  const entries = Object.entries(i.sites).sort((a, b) => b[1] - a[1])
  const shown = entries.slice(0, 4).map(([s, n]) => `${safe(s, 60)} (${num(n)})`)
  return entries.length > 4 ? `${shown.join(', ')} +${entries.length - 4} more` : shown.join(', ')
}

/** One alert as a few compact lines. */
export function renderConsole(alert: Alert, color: boolean): string {
  const c = (k: keyof typeof SGR, s: string) => (color ? `\x1b[${SGR[k]}m${s}\x1b[0m` : s)
  const i = alert.incident
  const sev = alert.step === 'resolved' ? c('green', 'RESOLVED') : c(i.severity, i.severity.toUpperCase().padEnd(8))
  const what =
    alert.step === 'resolved'
      ? `${who(i)} went quiet after ${num(i.attempts)} tries`
      : `${who(i)} ${i.kind === 'site' ? 'are' : 'is'} ${activity(i.rules)}: ${num(i.attempts)} tries in ${span(i.lastSeen - i.firstSeen)}${alert.step === 'escalated' ? ' (grew)' : ''}`
  const lines = [
    `${c('bold', '●')} ${sev} ${c('bold', what)} ${c('dim', `· incident ${safe(i.id, 40)} ${alert.step}`)}`,
  ]
  if (alert.step !== 'resolved') {
    lines.push(`  ${c('dim', 'sites')}  ${sitesText(i)}`)
    if (i.rules.length)
      lines.push(
        `  ${c('dim', 'rules')}  ${i.rules
          .slice(0, 6)
          .map((r) => safe(r, 40))
          .join(', ')}`,
      )
    if (i.duty)
      lines.push(
        `  ${c('dim', 'act  ')}  ${safe(i.duty.name, 60)}${i.duty.reason ? ` (${safe(i.duty.reason, 40)})` : ''}`,
      )
    const sample = i.samples[0]
    if (sample !== undefined) lines.push(`  ${c('dim', 'e.g. ')}  ${c('dim', safe(sample, 160))}`)
  }
  return `${lines.join('\n')}\n`
}

/** The default notifier: alerts on standard output, coloured on a terminal, plain otherwise. */
export function createConsoleNotifier(opts: ConsoleOptions = {}): Notifier {
  const out = opts.out ?? process.stdout
  const color = opts.color ?? (out.isTTY === true && !process.env.NO_COLOR)
  const write = async (s: string) => {
    out.write(s)
  }
  return {
    destination: 'console',
    label: 'the console',
    ...(opts.pacing ? { pacing: opts.pacing } : {}),
    send: (alert) => write(renderConsole(alert, color)),
    sendDigest: (alerts) =>
      write(
        `${color ? '\x1b[1m' : ''}${plural(alerts.length, 'alert')} at once:${color ? '\x1b[0m' : ''}\n${alerts.map((a) => renderConsole(a, color)).join('')}`,
      ),
    sendPlain: (alerts) => write(alerts.map((a) => renderConsole(a, false)).join('')),
  }
}
