import { z } from 'zod'
import { detectionShape } from '../detectors/config.js'
import { incidentsConfig, teamConfig } from '../incidents/config.js'
import { notifyConfig } from '../notifiers/config.js'
import { formatConfig } from '../parsers/config.js'
import { ipOrCidr, ipOrCidrOrPreset } from './cidr.js'

export const fileSourceConfig = z
  .strictObject({
    type: z.literal('file').describe('Tail files (the default when `type` is left out)'),
    path: z
      .string()
      .min(1)
      .describe(
        'A glob (/var/log/apache2/*access.log), or a pattern whose {site} placeholder both globs and names the site (/var/log/nginx/{site}.access.log)',
      ),
    format: formatConfig.default('auto'),
    site: z.string().min(1).optional().describe('A fixed site name for every line of these files'),
    start_at: z
      .enum(['end', 'beginning'])
      .default('end')
      .describe('Where to start in a file lookout has never read: at its end (only new lines) or its beginning'),
  })
  .describe('Log files to tail')

export const stdinSourceConfig = z
  .strictObject({
    type: z.literal('stdin'),
    format: formatConfig.default('auto'),
    site: z.string().min(1).optional().describe('A fixed site name for every line'),
  })
  .describe('Lines piped into `lookout run` on standard input')

const sourceUnion = z.discriminatedUnion('type', [fileSourceConfig, stdinSourceConfig])
export const sourceConfig = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { type: 'file', ...v } : v),
  sourceUnion,
)
export type SourceConfig = z.output<typeof sourceUnion>
export type FileSourceConfig = z.output<typeof fileSourceConfig>

export const rootConfig = z
  .strictObject({
    state_dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Where the store lives (checkpoints, incidents, outbox). Default /var/lib/lookout when writable, else ./.lookout',
      ),
    hostname: z.string().min(1).optional().describe("This server's name in alerts (default: the machine's hostname)"),
    sources: z
      .array(sourceConfig)
      .default([])
      .describe('What to read. Empty: `lookout run` watches the common log locations that exist on this machine'),
    trusted_proxies: z
      .array(ipOrCidrOrPreset)
      .default([])
      .describe(
        'Proxies/CDNs whose X-Forwarded-For is believed (rightmost untrusted hop); `cloudflare` names its ranges',
      ),
    allow: z.array(ipOrCidr).default([]).describe('IPs and ranges that are never alerted on (your office, monitors)'),
    allow_loopback: z
      .boolean()
      .default(true)
      .describe(
        '127.0.0.0/8 and ::1 are never alerted on (wp-cron, health checks, a local reverse proxy); false treats them like any client',
      ),
    max_line_bytes: z
      .number()
      .int()
      .min(256)
      .max(16 * 1024 * 1024)
      .default(64 * 1024)
      .describe('Longer lines are cut at this many bytes (and counted)'),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        format: z.enum(['auto', 'json', 'pretty']).default('auto').describe('auto: readable on a TTY, JSON otherwise'),
      })
      .default({ level: 'info', format: 'auto' })
      .describe("lookout's own logs (to stderr)"),
    ...detectionShape,
    incidents: incidentsConfig,
    team: teamConfig,
    notify: notifyConfig,
  })
  .describe('lookout configuration')

export type RootConfig = z.output<typeof rootConfig>

/** The config file's JSON Schema: what a user writes (the input side: keys with defaults are optional). */
export const configJsonSchema = (): Record<string, unknown> =>
  z.toJSONSchema(rootConfig, { io: 'input', unrepresentable: 'any' })

/** The validated config with defaults resolved that depend on the machine (state_dir, hostname). Deep-frozen. */
export type LookoutConfig = Readonly<RootConfig & { state_dir: string; hostname: string; configFile: string | null }>
