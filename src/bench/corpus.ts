/**
 * `npm run corpus`: lookout's parsers against the access-log lines of CrowdSec's hub tests (../shared/corpus, see its
 * README section 2a; `LOOKOUT_CORPUS` overrides the location). Every file is read with a fresh `auto` parser, as a
 * source would. For each line CrowdSec parsed (`parsed_ok: true`) as an access line we compare source ip, time, verb,
 * path (with query), status and user agent; lines CrowdSec drops must come back as ParseFailure. Error-log lines
 * (CrowdSec's http_error-log, nginx mail lines) are not access lines: lookout rejects them, and they are counted
 * apart. Lines without assertions are only counted (parsed / rejected).
 *
 * Exits 0 when the corpus is missing or everything agrees, 1 on any disagreement.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { normalizeIp } from '../core/ip.js'
import { isParseFailure, type LogEvent } from '../core/types.js'
import { createParser } from '../parsers/index.js'

interface Expect {
  parsed_ok: boolean | null
  log_type?: string
  source_ip?: string
  timestamp?: string
  time?: string
  verb?: string
  request?: string
  path?: string
  status?: string
  user_agent?: string
}

interface CorpusRecord {
  source: string
  line: string
  seq: number
  log_type: string
  expect: Expect | null
}

interface Disagreement {
  file: string
  seq: number
  field: string
  expected: string
  got: string
}

/**
 * Reviewed exceptions: where lookout deliberately differs from CrowdSec. Each returns true when the difference on
 * `field` is the reviewed one.
 */
const EXCEPTIONS: ReadonlyArray<{ field: string; reason: string; applies: (e: Expect, ev: LogEvent) => boolean }> = [
  {
    field: 'path',
    reason:
      'a request line that is not "METHOD target [HTTP/x]" (TLS bytes, Gh0st, "HELP"): CrowdSec copies the raw ' +
      'request into http_path; lookout leaves method and path empty, so that path rules never match binary garbage ' +
      '(the status, usually 400, still tells detectors what happened)',
    applies: (e, ev) => e.verb === undefined && ev.method === '' && ev.path === '',
  },
]

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** CrowdSec's `timestamp` as written in the line (`08/Jun/2020:06:49:01 +0000`), read independently of lookout. */
/** A table row with nothing counted yet. */
const emptyRow = (file: string, lines: number): Row => ({
  file,
  lines,
  access: 0,
  agree: 0,
  disagree: 0,
  excepted: 0,
  errorLog: 0,
  errorLogRejected: 0,
  dropped: 0,
  droppedRejected: 0,
  unasserted: 0,
  unassertedParsed: 0,
})

function clfToMs(ts: string): number {
  const [date, zone = '+0000'] = ts.split(' ')
  const [d, mon, rest] = (date ?? '').split('/')
  if (d === undefined || mon === undefined || rest === undefined) return Number.NaN
  const [y, hh, mm, ss] = rest.split(':')
  const m = MONTHS.indexOf(mon) + 1
  const iso = `${y}-${String(m).padStart(2, '0')}-${d}T${hh}:${mm}:${ss}${zone.slice(0, 3)}:${zone.slice(3)}`
  return Date.parse(iso)
}

function expectedTime(e: Expect): number | null {
  if (e.time) return Date.parse(e.time)
  if (e.timestamp?.includes('/') && e.timestamp.includes(':')) return clfToMs(e.timestamp)
  return null
}

const isAccessLine = (e: Expect): boolean => e.log_type === undefined || e.log_type === 'http_access-log'
const dashToEmpty = (s: string): string => (s === '-' ? '' : s)

function compare(file: string, rec: CorpusRecord, e: Expect, ev: LogEvent, out: Disagreement[]): number {
  let excepted = 0
  const check = (field: string, expected: string | undefined, got: string): void => {
    if (expected === undefined || expected === got) return
    const ex = EXCEPTIONS.find((x) => x.field === field && x.applies(e, ev))
    if (ex) {
      excepted++
      return
    }
    out.push({ file, seq: rec.seq, field, expected, got })
  }
  check('source_ip', e.source_ip === undefined ? undefined : (normalizeIp(e.source_ip) ?? e.source_ip), ev.ip)
  const t = expectedTime(e)
  if (t !== null) check('time', new Date(t).toISOString(), new Date(ev.time).toISOString())
  // CrowdSec asserts no verb for a raw request; lookout's equivalent is an empty method
  check('verb', e.verb ?? (e.path !== undefined && e.path === e.request ? '' : undefined), ev.method)
  check('path', e.path, ev.query === '' ? ev.path : `${ev.path}?${ev.query}`)
  check('status', e.status, String(ev.status))
  check('user_agent', e.user_agent === undefined ? undefined : dashToEmpty(e.user_agent), ev.userAgent)
  return excepted
}

interface Row {
  file: string
  lines: number
  access: number
  agree: number
  disagree: number
  excepted: number
  errorLog: number
  errorLogRejected: number
  dropped: number
  droppedRejected: number
  unasserted: number
  unassertedParsed: number
}

function main(): number {
  const root = process.env.LOOKOUT_CORPUS ?? resolve(process.cwd(), '../shared/corpus')
  const dir = join(root, 'crowdsec')
  if (!existsSync(dir)) {
    console.log(`corpus not found, skipped (${dir})`)
    return 0
  }
  const rows: Row[] = []
  const disagreements: Disagreement[] = []
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.jsonl')) continue
    const records = readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as CorpusRecord)
    const logType = records[0]?.log_type
    // access logs, plus the one nginx-in-syslog test
    if (logType !== 'nginx' && logType !== 'apache2' && name !== 'pfsense-rfc5424-nginx.jsonl') continue
    const file = name.replace(/\.jsonl$/, '')
    const parser = createParser('auto')
    const row = emptyRow(file, records.length)
    for (const rec of records) {
      const r = parser.parse(rec.line, 'corpus')
      const e = rec.expect
      if (e === null || e.parsed_ok === null) {
        row.unasserted++
        if (!isParseFailure(r)) row.unassertedParsed++
      } else if (e.parsed_ok === false) {
        row.dropped++
        if (isParseFailure(r)) row.droppedRejected++
        else disagreements.push({ file, seq: rec.seq, field: 'parsed', expected: 'failure', got: 'event' })
      } else if (!isAccessLine(e)) {
        row.errorLog++
        if (isParseFailure(r)) row.errorLogRejected++
      } else {
        row.access++
        if (isParseFailure(r)) {
          row.disagree++
          disagreements.push({ file, seq: rec.seq, field: 'parsed', expected: 'event', got: r.error })
          continue
        }
        const before = disagreements.length
        row.excepted += compare(file, rec, e, r, disagreements)
        if (disagreements.length === before) row.agree++
        else row.disagree++
      }
    }
    rows.push(row)
  }

  const total = rows.reduce(
    (t, r) => {
      for (const k of Object.keys(t) as (keyof Row)[]) if (k !== 'file') (t[k] as number) += r[k] as number
      return t
    },
    emptyRow('TOTAL', 0),
  )
  const header = [
    'file',
    'lines',
    'access',
    'agree',
    'disagree',
    'excepted',
    'error-log (rejected)',
    'unasserted (parsed)',
  ]
  const cells = (r: Row): string[] => [
    r.file,
    String(r.lines),
    String(r.access),
    String(r.agree),
    String(r.disagree),
    String(r.excepted),
    r.errorLog ? `${r.errorLog} (${r.errorLogRejected})` : '-',
    r.unasserted ? `${r.unasserted} (${r.unassertedParsed})` : '-',
  ]
  const table = [header, ...rows.map(cells), cells(total)]
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] as string).length)))
  const fmt = (row: string[]): string =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ')
  console.log(fmt(header))
  for (const r of rows) console.log(fmt(cells(r)))
  console.log(fmt(cells(total)))
  console.log()
  const pct = total.access ? ((100 * total.agree) / total.access).toFixed(1) : '100.0'
  console.log(`access lines: ${total.agree}/${total.access} agree (${pct}%), ${total.disagree} disagree`)
  console.log(
    `error-log lines (not access lines, not counted): ${total.errorLog}, rejected by lookout: ${total.errorLogRejected}`,
  )
  console.log(`lines CrowdSec drops: ${total.dropped}, rejected by lookout: ${total.droppedRejected}`)
  console.log(`lines without assertions: ${total.unasserted}, parsed by lookout: ${total.unassertedParsed}`)
  if (total.excepted > 0) {
    console.log(`\nreviewed exceptions applied: ${total.excepted} field comparisons`)
    for (const x of EXCEPTIONS) console.log(`  - ${x.field}: ${x.reason}`)
  }
  if (disagreements.length > 0) {
    console.log('\nfirst disagreements:')
    for (const d of disagreements.slice(0, 10)) {
      console.log(
        `  ${d.file} seq ${d.seq}: ${d.field}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.got)}`,
      )
    }
    return 1
  }
  return 0
}

process.exitCode = main()
