/**
 * Text helpers shared by the notifiers: making untrusted (log-derived) strings harmless, cutting to limits,
 * and the friendly numbers and spans the messages use. See slack-reference.md, "Escaping untrusted text".
 */
import { isIP } from 'node:net'

// C0 controls except \n (handled per use), DEL, C1 controls, zero-width U+200B–200F, bidi U+202A–202E,
// U+2060–2069 (word joiner, invisible operators, bidi isolates), U+2028/2029 separators, BOM, and lone surrogates.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Longest input we bother to look at: a megabyte-long field is cut before any regex runs over it. */
const PRECUT = 20_000

/** Replaces control, bidi and zero-width characters with U+FFFD; newlines become spaces unless `keepNewlines`. */
export function normalise(s: string, keepNewlines = false): string {
  const t = (s.length > PRECUT ? s.slice(0, PRECUT) : s).replace(UNSAFE, '\uFFFD')
  return keepNewlines ? t.replace(/\r\n?/g, '\n') : t.replace(/\r\n?|\n/g, ' ')
}

/** Slack's three escapes, `&` first. Nothing else is escaped. */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * Cuts `s` so that its length (UTF-16 units, which is never less than code points) is at most `max`,
 * on a code point boundary, and never inside an `&amp;`-style entity; appends `…` when cut.
 */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s
  let out = ''
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break
    out += ch
  }
  const amp = out.lastIndexOf('&')
  if (amp !== -1 && amp >= out.length - 5 && !out.slice(amp).includes(';')) out = out.slice(0, amp)
  return `${out}…`
}

/** A log-derived string as inline code: normalised, one line, backticks neutralised, escaped, cut, wrapped. */
export function code(s: string, max = 200): string {
  const body = escapeMrkdwn(normalise(s).replace(/`/g, "'"))
  return `\`${cut(body, Math.max(2, max - 2))}\``
}

/** A config-derived string (names, reasons) in mrkdwn prose: normalised, escaped, cut. */
export function prose(s: string, max = 200): string {
  return cut(escapeMrkdwn(normalise(s).replace(/`/g, "'")), max)
}

/** Evidence lines as a code block: at most `maxLines` lines, each cut, the whole within `max`. */
export function codeBlock(lines: string[], max = 1500, maxLines = 5, lineMax = 300): string {
  const budget = max - 6
  const out: string[] = []
  let used = 0
  for (const raw of lines.slice(0, maxLines)) {
    const line = cut(escapeMrkdwn(normalise(raw).replace(/`/g, "'")), lineMax)
    if (used + line.length + 1 > budget) {
      if (out.length === 0) out.push(cut(line, budget))
      break
    }
    out.push(line)
    used += line.length + 1
  }
  // A code block that ends in a space or is empty renders badly; '…' keeps it visible.
  return `\`\`\`${out.join('\n') || '…'}\`\`\``
}

/** For plain_text and fallback text: only characters that cannot be markup and cannot mislead. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/

/** A site or host name fit for plain text (header, notification line), or null when it is not a plain name. */
export const safeName = (s: string | null | undefined): string | null => (s && SAFE_NAME.test(s) ? s : null)

/** A validated IP (v4 or v6) or CIDR, or null. The only way an address reaches a command or plain text. */
export function validAddress(s: string | null | undefined): { addr: string; family: 4 | 6; cidr: boolean } | null {
  if (!s) return null
  const slash = s.indexOf('/')
  const ip = slash === -1 ? s : s.slice(0, slash)
  const family = isIP(ip)
  if (family !== 4 && family !== 6) return null
  if (slash === -1) return { addr: ip, family, cidr: false }
  const bits = s.slice(slash + 1)
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return null
  return { addr: `${ip}/${Number(bits)}`, family, cidr: true }
}

/** An incident or alert id fit for plain text (ours are numbers and `:`), else a stable stand-in. */
export const safeId = (s: string): string => (/^[A-Za-z0-9._:-]{1,64}$/.test(s) ? s : 'unknown')

export const num = (n: number): string => Math.round(n).toLocaleString('en-US')

export const plural = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`

/** A friendly span: "45 seconds", "4 minutes", "2 hours", "3 days". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 90) return plural(Math.max(1, s), 'second')
  const m = Math.round(s / 60)
  if (m < 90) return plural(m, 'minute')
  const h = Math.round(m / 60)
  if (h < 36) return plural(h, 'hour')
  return plural(Math.round(h / 24), 'day')
}

/** Replaces `{name}` placeholders; unknown ones are left as they are. */
export const fillTemplate = (t: string, values: Record<string, string>): string =>
  t.replace(/\{([a-z_]+)\}/g, (m, k: string) => values[k] ?? m)
