/**
 * A batch of lines as the scan loop reads them: one line after the other, the lines that are events only, each with
 * its time; its event, IP, site and text made on demand. Where the WebAssembly pass (clf-batches.ts) found that no
 * rule can match a line, the loop asks for its event only when an open incident concerns its IP or site: most
 * lines of a day never become strings or events.
 */
import { isParseFailure, type LogEvent, type ParseResult } from '../core/types.js'

export interface ScanBatch {
  /** lines in the batch */
  readonly lines: number
  /** raw bytes they took, newlines included */
  readonly bytes: number
  /** lines passed over so far because they are not events (no format reads them) */
  readonly unparsed: number
  /** Moves to the next line that is an event; false at the end of the batch. */
  next(): boolean
  /** the current line's event time */
  readonly time: number
  /** some rule may match the current line (else only an incident of its IP or subnet could want it) */
  readonly maybe: boolean
  /** when the current line is not `maybe` and its client an IPv4 address: its 32 bits (else -1) */
  readonly v4: number
  ip(): string
  site(): string
  event(): LogEvent
  line(): string
  /**
   * Passes over the lines after the current one that no rule can match and whose client no open incident watches
   * (`watched`), while their time is at most `bound` and below `before`; returns how many (all events), their latest
   * time in `skippedTime`. What `next` and the scan loop would do with each, without the calls: most lines of a day
   * end here. The next `next` moves to the line after them.
   */
  skip(bound: number, before: number, watched: Watched): number
  /** the latest time of the lines the last `skip` passed over */
  readonly skippedTime: number
}

/** Whether an open incident watches a client, given as 32 bits (IPv4) or as its normalised text. */
export interface Watched {
  ipv4(bits: number): boolean
  ip(ip: string): boolean
}

/** A batch parsed the usual way: its events exist already, and every one may match (the engine's prefilter decides). */
export class EventBatch implements ScanBatch {
  unparsed = 0
  time = 0
  readonly maybe = true
  readonly v4 = -1
  readonly skippedTime = Number.NEGATIVE_INFINITY
  private i = -1
  private e: LogEvent | null = null

  constructor(
    private readonly texts: readonly string[],
    private readonly results: readonly ParseResult[],
    readonly bytes: number,
  ) {}

  get lines(): number {
    return this.texts.length
  }

  next(): boolean {
    const rs = this.results
    while (++this.i < rs.length) {
      const r = rs[this.i] as ParseResult
      if (isParseFailure(r)) {
        this.unparsed++
        continue
      }
      this.e = r
      this.time = r.time
      return true
    }
    return false
  }

  event(): LogEvent {
    return this.e as LogEvent
  }
  ip(): string {
    return this.event().ip
  }
  site(): string {
    return this.event().site
  }
  line(): string {
    return this.texts[this.i] as string
  }
  skip(): number {
    return 0 // (every line of this batch may match)
  }
}
