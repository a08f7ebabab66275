import { LIMITS } from './blocks.js'

/**
 * Checks a webhook payload against Slack's Block Kit limits and lookout's safety rules. Returns the problems
 * (empty when fine). Works on unknown input so that the fake Slack server can run it on what it receives.
 *
 * Safety rules checked: every mrkdwn object is `verbatim: true`; the only `<…>` sequences anywhere are the ones
 * lookout makes on purpose (`<@U…>`, `<!subteam^S…>`, `<!date^…>`), so a log line cannot become a mention or link.
 */
export function validateSlackPayload(p: unknown): string[] {
  const problems: string[] = []
  if (!isObject(p)) return ['payload is not an object']
  let total = 0
  if (typeof p.text !== 'string' || p.text.length === 0) problems.push('text: missing (the notification line)')
  else {
    if (p.text.length > LIMITS.TEXT) problems.push(`text: ${p.text.length} > ${LIMITS.TEXT}`)
    checkAngles(p.text, 'text', problems)
  }
  for (const k of ['link_names', 'parse', 'username', 'icon_url', 'icon_emoji', 'channel']) {
    if (k in p) problems.push(`${k}: lookout never sets it`)
  }
  if (p.blocks === undefined) return problems
  if (!Array.isArray(p.blocks)) return [...problems, 'blocks: not an array']
  if (p.blocks.length > LIMITS.BLOCKS) problems.push(`blocks: ${p.blocks.length} > ${LIMITS.BLOCKS}`)
  p.blocks.forEach((b: unknown, n: number) => {
    const at = `blocks[${n}]`
    if (!isObject(b)) {
      problems.push(`${at}: not an object`)
      return
    }
    if (typeof b.block_id === 'string' && b.block_id.length > 255) problems.push(`${at}.block_id: too long`)
    switch (b.type) {
      case 'header': {
        const t = textObject(b.text, `${at}.text`, problems, 'plain_text', LIMITS.HEADER)
        total += t
        break
      }
      case 'section': {
        if (b.text === undefined && b.fields === undefined) problems.push(`${at}: a section needs text or fields`)
        if (b.text !== undefined) total += textObject(b.text, `${at}.text`, problems, 'any', LIMITS.SECTION_TEXT)
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0) problems.push(`${at}.fields: not a non-empty array`)
          else {
            if (b.fields.length > LIMITS.FIELDS) problems.push(`${at}.fields: ${b.fields.length} > ${LIMITS.FIELDS}`)
            b.fields.forEach((f: unknown, k: number) => {
              total += textObject(f, `${at}.fields[${k}]`, problems, 'any', LIMITS.FIELD_TEXT)
            })
          }
        }
        break
      }
      case 'context': {
        if (!Array.isArray(b.elements) || b.elements.length === 0)
          problems.push(`${at}.elements: not a non-empty array`)
        else {
          if (b.elements.length > LIMITS.CONTEXT_ELEMENTS) problems.push(`${at}.elements: too many`)
          b.elements.forEach((e: unknown, k: number) => {
            total += textObject(e, `${at}.elements[${k}]`, problems, 'any', LIMITS.SECTION_TEXT)
          })
        }
        break
      }
      case 'divider':
        break
      default:
        problems.push(`${at}.type: ${String(b.type)} is not a block lookout makes`)
    }
  })
  if (total > LIMITS.ALL_TEXT) problems.push(`all block text: ${total} > ${LIMITS.ALL_TEXT}`)
  return problems
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Validates a text object; returns its length for the whole-payload budget. */
function textObject(t: unknown, at: string, problems: string[], kind: 'plain_text' | 'any', max: number): number {
  if (!isObject(t) || typeof t.text !== 'string') {
    problems.push(`${at}: not a text object`)
    return 0
  }
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') problems.push(`${at}.type: ${String(t.type)}`)
  if (kind === 'plain_text' && t.type !== 'plain_text') problems.push(`${at}: must be plain_text`)
  if (t.type === 'mrkdwn' && t.verbatim !== true) problems.push(`${at}: mrkdwn without verbatim: true`)
  if (t.text.length === 0) problems.push(`${at}: empty text`)
  if (t.text.length > max) problems.push(`${at}: ${t.text.length} > ${max}`)
  checkAngles(t.text, at, problems)
  if (t.type === 'plain_text' && /[<>&`]/.test(t.text)) problems.push(`${at}: markup characters in plain text`)
  if (t.type === 'mrkdwn' && (t.text.split('```').length - 1) % 2 !== 0) problems.push(`${at}: unbalanced code block`)
  return t.text.length
}

const ALLOWED_ANGLE = /^<(@[UW][A-Z0-9]{2,30}|!subteam\^S[A-Z0-9]{2,30}|!date\^\d+\^[^|<>]*\|[^<>]*)>$/

/** Every `<…>` must be one lookout makes on purpose: no `<!channel>`, `<!here>`, `<http…|…>`, `<#C…>`. */
function checkAngles(text: string, at: string, problems: string[]): void {
  for (const m of text.matchAll(/<[^>]*>?/g)) {
    if (!ALLOWED_ANGLE.test(m[0])) problems.push(`${at}: unexpected ${JSON.stringify(m[0].slice(0, 40))}`)
  }
}
