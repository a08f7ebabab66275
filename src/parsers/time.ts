/**
 * Timestamp readers for access logs. Each reader parses the text at `s[pos..]` by character codes (no regular
 * expressions, no Date.parse), stores the result in `timeResult.ms` (ms since the epoch, UTC) and returns the index
 * just past what it consumed, or -1 when the text is not such a timestamp.
 *
 * A stamp without a zone (`[31/Jan/2015:14:29:44 ]`, `2020-06-08T08:04:43`) is read as UTC: the parser is pure and
 * has no idea of the server's zone; Apache and nginx always write one, so this only happens with odd custom formats.
 */

import { detachString } from '../core/ip.js'

/** Written by every reader on success (a shared slot: readers run synchronously, one line at a time). */
export const timeResult = { ms: 0 }

/** Month number 1-12 from three letters at s[pos], case-insensitive on the last two; 0 when not a month. */
export function monthAt(s: string, pos: number): number {
  const a = s.charCodeAt(pos) & ~32
  const b = s.charCodeAt(pos + 1) | 32
  const c = s.charCodeAt(pos + 2) | 32
  // J F M A S O N D
  switch (a) {
    case 74: // J
      if (b === 97 && c === 110) return 1 // an
      if (b === 117 && c === 110) return 6 // un
      if (b === 117 && c === 108) return 7 // ul
      return 0
    case 70:
      return b === 101 && c === 98 ? 2 : 0 // eb
    case 77:
      if (b === 97 && c === 114) return 3 // ar
      if (b === 97 && c === 121) return 5 // ay
      return 0
    case 65:
      if (b === 112 && c === 114) return 4 // pr
      if (b === 117 && c === 103) return 8 // ug
      return 0
    case 83:
      return b === 101 && c === 112 ? 9 : 0 // ep
    case 79:
      return b === 99 && c === 116 ? 10 : 0 // ct
    case 78:
      return b === 111 && c === 118 ? 11 : 0 // ov
    case 68:
      return b === 101 && c === 99 ? 12 : 0 // ec
    default:
      return 0
  }
}

/** `n` decimal digits at s[pos] as a number, or -1. */
function digits(s: string, pos: number, n: number): number {
  let v = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(pos + i) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}

let lastDayKey = -1
let lastDayMs = 0
/** ms at 00:00 UTC of a calendar day, cached for the last day seen (log lines come in time order). */
function dayMs(y: number, m: number, d: number): number {
  const key = y * 10000 + m * 100 + d
  if (key !== lastDayKey) {
    lastDayMs = Date.UTC(y, m - 1, d)
    lastDayKey = key
  }
  return lastDayMs
}

function validDate(y: number, m: number, d: number, hh: number, mm: number, ss: number): boolean {
  return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && hh <= 23 && mm <= 59 && ss <= 60
}

/** Fractional seconds at s[pos] when it starts with '.' or ','; returns the end (pos if none), writes fracMs. */
let fracMs = 0
function readFraction(s: string, pos: number): number {
  fracMs = 0
  const c0 = s.charCodeAt(pos)
  if (c0 !== 46 && c0 !== 44) return pos
  let i = pos + 1
  let scale = 100
  let ms = 0
  while (i < s.length) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) break
    if (scale >= 1) ms += c * scale
    scale /= 10
    i++
  }
  if (i === pos + 1) return -1
  fracMs = Math.floor(ms)
  return i
}

/**
 * A zone `+hhmm`, `-hhmm`, `+hh:mm`, `Z` at s[pos]; returns the end or -1; writes minutes east of UTC into zoneMin.
 */
let zoneMin = 0
function readZone(s: string, pos: number): number {
  const c = s.charCodeAt(pos)
  if (c === 90 /* Z */) {
    zoneMin = 0
    return pos + 1
  }
  if (c !== 43 && c !== 45) return -1
  const hh = digits(s, pos + 1, 2)
  if (hh < 0) return -1
  let p = pos + 3
  if (s.charCodeAt(p) === 58) p++
  const mm = digits(s, p, 2)
  if (mm < 0 || hh > 23 || mm > 59) return -1
  zoneMin = (hh * 60 + mm) * (c === 45 ? -1 : 1)
  return p + 2
}

/**
 * Apache `%t` / nginx `$time_local`: `dd/Mon/yyyy:HH:MM:SS[.fff] +zzzz`. With `bracketed`, the stamp is wrapped in
 * `[...]`. The zone may be missing or empty (`... 14:29:44 ]`): read as UTC.
 */
/**
 * The last stamp read in the usual 26-character form (`dd/Mon/yyyy:HH:MM:SS +zzzz`) and its time, and the time of
 * its minute. Lines come many per second, or at least per minute: the same stamp as before costs one character and
 * one indexOf (a native comparison: startsWith would be a runtime call on a sliced string, and a character loop
 * costs ~2 ns a character), the same minute two characters and two indexOf.
 */
let haveStamp = false // (a sentinel string could be matched by a hostile line: `[\0]` was once read as 1970)
let lastStamp = ''
let lastStampMs = 0
let lastMinute = ''
let lastMinuteMs = 0
let lastZone = ''
let lastSecond = 0 // char code of the stamp's last digit
let lastMinuteDigit = 0

export function readClfTime(s: string, pos: number, bracketed: boolean): number {
  let p = pos
  if (bracketed) {
    if (s.charCodeAt(p) !== 91) return -1
    p++
  }
  // (after a cached stamp, a bracketed one must close; an unbracketed one may be followed by anything)
  if (haveStamp && (!bracketed || s.charCodeAt(p + 26) === 93)) {
    if (s.charCodeAt(p + 19) === lastSecond && s.indexOf(lastStamp, p) === p) {
      timeResult.ms = lastStampMs
      return bracketed ? p + 27 : p + 26
    }
    if (s.charCodeAt(p + 16) === lastMinuteDigit && s.charCodeAt(p + 20) === 32 && s.indexOf(lastMinute, p) === p) {
      const s1 = s.charCodeAt(p + 18) - 48
      const s2 = s.charCodeAt(p + 19) - 48
      if (s1 >= 0 && s1 <= 6 && s2 >= 0 && s2 <= 9 && (s1 < 6 || s2 === 0) && s.indexOf(lastZone, p + 21) === p + 21) {
        lastStampMs = lastMinuteMs + (s1 * 10 + s2) * 1000
        lastStamp = detachString(s.slice(p, p + 26))
        lastSecond = s2 + 48
        timeResult.ms = lastStampMs
        return bracketed ? p + 27 : p + 26
      }
    }
  }
  const start = p
  const d = digits(s, p, 2)
  if (d < 0 || s.charCodeAt(p + 2) !== 47) return -1
  const m = monthAt(s, p + 3)
  if (m === 0 || s.charCodeAt(p + 6) !== 47) return -1
  const y = digits(s, p + 7, 4)
  if (y < 0 || s.charCodeAt(p + 11) !== 58) return -1
  const hh = digits(s, p + 12, 2)
  const mi = digits(s, p + 15, 2)
  const ss = digits(s, p + 18, 2)
  if (hh < 0 || mi < 0 || ss < 0 || s.charCodeAt(p + 14) !== 58 || s.charCodeAt(p + 17) !== 58) return -1
  if (!validDate(y, m, d, hh, mi, ss)) return -1
  p = readFraction(s, p + 20)
  if (p < 0) return -1
  let zone = 0
  if (s.charCodeAt(p) === 32) {
    const z = readZone(s, p + 1)
    if (z >= 0) {
      zone = zoneMin
      p = z
    } else if (bracketed) {
      p++ // `[31/Jan/2015:14:29:44 ]`: an empty zone
    }
  }
  if (bracketed && s.charCodeAt(p) !== 93) return -1
  const minuteMs = dayMs(y, m, d) + (hh * 60 + mi) * 60000 - zone * 60000
  timeResult.ms = minuteMs + ss * 1000 + fracMs
  if (p - start === 26 && s.charCodeAt(start + 20) === 32) {
    // `dd/Mon/yyyy:HH:MM:SS ±hhmm`: remember it, its minute and its zone
    lastStamp = detachString(s.slice(start, p))
    lastStampMs = timeResult.ms
    lastMinute = detachString(lastStamp.slice(0, 18))
    lastZone = lastStamp.slice(21)
    lastMinuteMs = minuteMs
    lastSecond = lastStamp.charCodeAt(19)
    lastMinuteDigit = lastStamp.charCodeAt(16)
    haveStamp = true
  }
  return bracketed ? p + 1 : p
}

/** ISO 8601 / RFC 3339: `yyyy-mm-ddTHH:MM:SS[.fff][Z|±hh:mm|±hhmm]` (a space instead of T is accepted). */
export function readIsoTime(s: string, pos: number): number {
  const y = digits(s, pos, 4)
  const m = digits(s, pos + 5, 2)
  const d = digits(s, pos + 8, 2)
  if (y < 0 || m < 0 || d < 0 || s.charCodeAt(pos + 4) !== 45 || s.charCodeAt(pos + 7) !== 45) return -1
  const t = s.charCodeAt(pos + 10)
  if (t !== 84 && t !== 32 && t !== 116) return -1
  const hh = digits(s, pos + 11, 2)
  const mi = digits(s, pos + 14, 2)
  const ss = digits(s, pos + 17, 2)
  if (hh < 0 || mi < 0 || ss < 0 || s.charCodeAt(pos + 13) !== 58 || s.charCodeAt(pos + 16) !== 58) return -1
  if (!validDate(y, m, d, hh, mi, ss)) return -1
  let p = readFraction(s, pos + 19)
  if (p < 0) return -1
  let zone = 0
  const z = readZone(s, p)
  if (z >= 0) {
    zone = zoneMin
    p = z
  }
  timeResult.ms = dayMs(y, m, d) + ((hh * 60 + mi) * 60 + ss) * 1000 + fracMs - zone * 60000
  return p
}

/**
 * Seconds (or ms/µs with `unit`) since the epoch with an optional fraction: nginx `$msec` (`1591603483.123`),
 * Apache `%{sec}t` / `%{msec}t` / `%{usec}t`.
 */
export function readEpoch(s: string, pos: number, unit: 's' | 'ms' | 'us'): number {
  let i = pos
  let whole = 0
  while (i < s.length) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) break
    whole = whole * 10 + c
    i++
  }
  if (i === pos || i - pos > 17) return -1
  let ms = unit === 's' ? whole * 1000 : unit === 'ms' ? whole : Math.floor(whole / 1000)
  if (unit === 's') {
    const f = readFraction(s, i)
    if (f < 0) return -1
    ms += fracMs
    i = f
  }
  timeResult.ms = ms
  return i
}

/** A time value of unknown shape (JSON logs): epoch number or string, ISO 8601, or the CLF stamp. NaN if none. */
export function timeFromValue(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return Number.NaN
    // seconds until year 5138, then ms, then µs
    return v < 1e11 ? Math.round(v * 1000) : v < 1e14 ? Math.round(v) : Math.round(v / 1000)
  }
  if (typeof v !== 'string' || v.length < 8 || v.length > 64) return Number.NaN
  const c = v.charCodeAt(0)
  let end: number
  if (c === 91) end = readClfTime(v, 0, true)
  else if (v.charCodeAt(2) === 47) end = readClfTime(v, 0, false)
  else if (v.charCodeAt(4) === 45) end = readIsoTime(v, 0)
  else {
    const n = Number(v)
    return Number.isFinite(n) ? timeFromValue(n) : Number.NaN
  }
  return end === v.length ? timeResult.ms : Number.NaN
}

/**
 * A reader for an Apache `%{...}t` strftime format, for the directives a log format realistically uses:
 * %d %e %m %b %h %Y %y %H %M %S %T %F %z %Z(only 'UTC'/'GMT') %a %A (skipped words) %% and literal text.
 * Returns null for a format it cannot read.
 */
export type TimeReader = (s: string, pos: number) => number

export function compileStrftime(fmt: string): TimeReader | null {
  type Step = { kind: string; lit?: string }
  const steps: Step[] = []
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i] as string
    if (ch !== '%') {
      steps.push({ kind: 'lit', lit: ch })
      continue
    }
    const d = fmt[++i]
    switch (d) {
      case 'T':
        steps.push({ kind: 'H' }, { kind: 'lit', lit: ':' }, { kind: 'M' }, { kind: 'lit', lit: ':' }, { kind: 'S' })
        break
      case 'F':
        steps.push({ kind: 'Y' }, { kind: 'lit', lit: '-' }, { kind: 'm' }, { kind: 'lit', lit: '-' }, { kind: 'd' })
        break
      case '%':
        steps.push({ kind: 'lit', lit: '%' })
        break
      case 'd':
      case 'e':
      case 'm':
      case 'b':
      case 'h':
      case 'Y':
      case 'y':
      case 'H':
      case 'M':
      case 'S':
      case 'z':
      case 'Z':
      case 'a':
      case 'A':
        steps.push({ kind: d })
        break
      default:
        return null
    }
  }
  return (s, pos) => {
    let p = pos
    let y = 1970
    let m = 1
    let d = 1
    let hh = 0
    let mi = 0
    let ss = 0
    let zone = 0
    for (const st of steps) {
      switch (st.kind) {
        case 'lit':
          if (s[p] !== st.lit) return -1
          p++
          break
        case 'd':
        case 'm':
        case 'H':
        case 'M':
        case 'S':
        case 'y': {
          const v = digits(s, p, 2)
          if (v < 0) return -1
          p += 2
          if (st.kind === 'd') d = v
          else if (st.kind === 'm') m = v
          else if (st.kind === 'H') hh = v
          else if (st.kind === 'M') mi = v
          else if (st.kind === 'S') ss = v
          else y = 2000 + v
          break
        }
        case 'e': {
          if (s.charCodeAt(p) === 32) p++
          let v = digits(s, p, 2)
          if (v >= 0) p += 2
          else {
            v = digits(s, p, 1)
            if (v < 0) return -1
            p += 1
          }
          d = v
          break
        }
        case 'b':
        case 'h':
          m = monthAt(s, p)
          if (m === 0) return -1
          p += 3
          break
        case 'Y':
          y = digits(s, p, 4)
          if (y < 0) return -1
          p += 4
          break
        case 'z': {
          const z = readZone(s, p)
          if (z < 0) return -1
          zone = zoneMin
          p = z
          break
        }
        case 'Z':
          if (s.startsWith('UTC', p) || s.startsWith('GMT', p)) p += 3
          else return -1
          break
        default: {
          // %a %A: a word of letters
          const start = p
          while (p < s.length && p - start < 10) {
            const c = s.charCodeAt(p) | 32
            if (c < 97 || c > 122) break
            p++
          }
          if (p === start) return -1
        }
      }
    }
    if (!validDate(y, m, d, hh, mi, ss)) return -1
    timeResult.ms = dayMs(y, m, d) + ((hh * 60 + mi) * 60 + ss) * 1000 - zone * 60000
    return p
  }
}
