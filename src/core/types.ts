/**
 * The words of the pipeline (see README "Design notes"): line → event → finding → incident → alert.
 * Every stage speaks these types; nothing else crosses a stage boundary.
 */

/** Where a file is, byte-exactly: device+inode plus a hash of its first bytes (survives renames, detects reuse). */
export interface Fingerprint {
  dev: number
  ino: number
  /** hex sha1 of the first `headLen` bytes (up to 1 KiB) */
  headHash: string
  headLen: number
}

/**
 * Lines read from one source in one go. Sources yield batches, not single lines: an async step per line
 * would cost more than parsing it. `endOffset` is what the consumer checkpoints once it has handled the batch.
 */
export interface LineBatch {
  /** logical source path (the configured or matched path; 'stdin' for stdin) */
  path: string
  /** site named by the source ({site} pattern or `site:`), '' when unknown */
  site: string
  /** the file the lines came from; null for stdin and compressed input */
  fingerprint: Fingerprint | null
  /** lines without their trailing newline (a trailing \r is removed too); cut at max_line_bytes */
  lines: string[]
  /** byte offset of the first line in its file */
  startOffset: number
  /** byte offset just past the last line of this batch */
  endOffset: number
  /** raw bytes consumed, newlines included */
  bytes: number
  /** how many of `lines` were cut at max_line_bytes */
  truncated: number
  /** the bytes of `lines`, for parsers that read bytes; null when the source has none to offer */
  raw: RawLines | null
}

/**
 * Where a batch's lines lie in the bytes they were read from. Line i is `bytes[starts[i] .. starts[i] + lines[i].length)`
 * when `starts[i] >= 0`, which the splitter only says of lines whose bytes are their characters (ASCII): a parser may
 * find positions in the bytes and slice the line string at them. Valid only until the consumer asks for the next
 * batch: sources reuse their read buffers.
 */
export interface RawLines {
  bytes: Uint8Array
  starts: number[]
}

export type Service = 'http' | 'sshd'
export type Outcome = 'failure' | 'success' | ''

/**
 * A parsed line. The shape is fixed (no optional fields) so that V8 keeps one hidden class on the hot path:
 * strings are '' and numbers 0 when the line has no such field.
 */
export interface LogEvent {
  /** ms since the epoch, UTC (the line's zone honoured) */
  time: number
  /** normalised client IP: ::ffff:1.2.3.4 is 1.2.3.4, IPv6 in canonical (RFC 5952) form */
  ip: string
  /** virtual host from the line (%v), else from the source, else '' */
  site: string
  service: Service
  method: string
  path: string
  query: string
  protocol: string
  status: number
  bytes: number
  referer: string
  userAgent: string
  user: string
  outcome: Outcome
}

/** What a parser returns for a line it cannot turn into an event. */
export interface ParseFailure {
  error: string
}

export type ParseResult = LogEvent | ParseFailure

export const isParseFailure = (r: ParseResult): r is ParseFailure => (r as ParseFailure).error !== undefined

/** Pure and synchronous: no I/O, no clock. */
export interface Parser {
  /** `site` is the source's site, used when the line itself names none. */
  parse(line: string, site: string): ParseResult
  /**
   * Every line of a batch, in order, pushed onto `out`: what `parse` gives line by line, faster where the parser
   * reads the batch's bytes. Optional: see parseLines (parsers/index.ts).
   */
  parseBatch?(batch: LineBatch, site: string, out: ParseResult[]): void
  /**
   * Parsers whose reading of a line depends on the lines before (`auto`): 0 when this parser reads the next line as
   * its first format (CLF) would, and reading a line that format reads changes nothing. `scan` reads such lines in
   * WebAssembly without asking the parser (see scan/clf-batches.ts).
   */
  lock?(): number
}

export type KeyKind = 'ip' | 'ip+site' | 'site' | 'subnet'

/** A rule crossing one of its thresholds for a key. */
export interface Finding {
  rule: string
  keyKind: KeyKind
  /** the grouping key's value, e.g. '1.2.3.4', '1.2.3.4|shop.example', 'shop.example', '2001:db8::/64' */
  key: string
  /** event time of the event that crossed the threshold */
  time: number
  /** how many events (or distinct values) the window held when it crossed */
  count: number
  /** the threshold that was crossed, e.g. "5 in 1m" */
  threshold: string
  /** the event that crossed it */
  event: LogEvent
  /** for site and subnet keys: the IPs in the window */
  ips: string[]
  /**
   * site → events of the key, per site ('' when the line names none), counted since the key's first event (a key is
   * forgotten after a quiet longest window): every site the attacker tried, not only the site of `event`
   */
  sites: Record<string, number>
  /** event time of the key's first event counted in `sites` (when the attacker started); absent: `time` */
  since?: number
}

export type IncidentKind = 'ip' | 'subnet' | 'site'
export type IncidentStep = 'opened' | 'escalated' | 'resolved'
export type Severity = 'low' | 'medium' | 'high' | 'critical'

export interface DutyPerson {
  name: string
  /** Slack user ID (U…), from config only */
  slack: string | null
  email: string | null
  /** why this person: 'owner' of a site hit, 'rota', 'override', 'only member' */
  reason: string
}

/** One attacker (an IP, a subnet, or for a distributed attack: the site under attack) being a nuisance. */
export interface Incident {
  id: string
  kind: IncidentKind
  ip: string | null
  subnet: string | null
  /** every attacking IP (subnet and site incidents; [ip] for ip incidents) */
  ips: string[]
  /** site → attempts */
  sites: Record<string, number>
  rules: string[]
  attempts: number
  firstSeen: number
  lastSeen: number
  severity: Severity
  status: 'open' | 'resolved'
  /** the last step an alert was made for */
  step: IncidentStep
  /** a few raw lines, truncated */
  samples: string[]
  /** user agent → count (top few) */
  userAgents: Record<string, number>
  /** usernames seen (when the log shows them) */
  users: string[]
  duty: DutyPerson | null
}

/** One message about one incident step, waiting in the outbox for the notifiers. */
export interface Alert {
  /** unique and stable: `${incident.id}:${step}:${n}` */
  id: string
  incidentId: string
  step: IncidentStep
  /** when the alert was made (event time of the step) */
  createdAt: number
  /** the incident as it was at this step */
  incident: Incident
}
