/** The small subset of Block Kit lookout produces (webhook mode: no actions). */

export interface PlainText {
  type: 'plain_text'
  text: string
  emoji?: boolean
}

export interface Mrkdwn {
  type: 'mrkdwn'
  text: string
  /** always true: Slack must not turn `@here`, `#chan` or bare URLs into anything */
  verbatim: true
}

export interface HeaderBlock {
  type: 'header'
  text: PlainText
}

export interface SectionBlock {
  type: 'section'
  text?: Mrkdwn
  fields?: Mrkdwn[]
}

export interface ContextBlock {
  type: 'context'
  elements: Mrkdwn[]
}

export interface DividerBlock {
  type: 'divider'
}

export type Block = HeaderBlock | SectionBlock | ContextBlock | DividerBlock

/** The body of an incoming-webhook POST. */
export interface SlackPayload {
  /** the notification line (phones, screen readers, clients without blocks) */
  text: string
  blocks?: Block[]
}

export const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text, verbatim: true })
export const header = (text: string): HeaderBlock => ({
  type: 'header',
  text: { type: 'plain_text', text, emoji: true },
})
export const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(text) })
export const fields = (items: string[]): SectionBlock => ({ type: 'section', fields: items.map(mrkdwn) })
export const context = (items: string[]): ContextBlock => ({ type: 'context', elements: items.map(mrkdwn) })

/** Slack's limits (slack-reference.md, "Limits"); ALL_TEXT is lookout's own budget under Slack's ≈12k. */
export const LIMITS = {
  BLOCKS: 50,
  HEADER: 150,
  SECTION_TEXT: 3000,
  FIELDS: 10,
  FIELD_TEXT: 2000,
  CONTEXT_ELEMENTS: 10,
  TEXT: 4000,
  ALL_TEXT: 8000,
} as const
