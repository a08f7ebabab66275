/** The named log formats, without the format schema (parsers/config.ts): a command given one needs no zod. */
import type { FormatConfig } from './config.js'

export type { FormatConfig }

/** The named formats `sources[].format` and `--format` accept. */
export const FORMAT_NAMES = ['auto', 'common', 'combined', 'vhost_combined', 'nginx', 'syslog', 'json'] as const
export type FormatName = (typeof FORMAT_NAMES)[number]

export const isFormatName = (s: string): s is FormatName => (FORMAT_NAMES as readonly string[]).includes(s)
