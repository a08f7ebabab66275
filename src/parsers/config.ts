import { z } from 'zod'

// PLACEHOLDER owned by the parsers work: the shape of `sources[].format`.
export const formatConfig = z
  .union([z.string(), z.strictObject({ apache: z.string() }), z.strictObject({ nginx: z.string() })])
  .describe('Log format: auto, common, combined, vhost_combined, nginx, syslog, json, or {apache: LogFormat} / {nginx: log_format}')
export type FormatConfig = z.output<typeof formatConfig>
