import { createRequire } from 'node:module'
import type { Logger as PinoLogger } from 'pino'

export type Logger = PinoLogger

/**
 * pino, loaded when the first logger is made: the bundled CLI would otherwise load it (and its dependencies, ~20 ms)
 * for every command, `scan` and `check` included, which log nothing.
 */
let lib: typeof import('pino') | null = null
const pinoLib = (): typeof import('pino') => {
  lib ??= createRequire(import.meta.url)('pino') as typeof import('pino')
  return lib
}

export interface LogOptions {
  level?: string
  /** human-readable lines instead of JSON (default: when stderr is a TTY) */
  pretty?: boolean
}

/**
 * pino to stderr (stdout belongs to command output). JSON by default, readable on a TTY.
 * Secrets never reach a log: webhook URLs and secrets are redacted wherever they appear as fields.
 */
export function createLogger(opts: LogOptions = {}): Logger {
  const { pino } = pinoLib()
  const pretty = opts.pretty ?? process.stderr.isTTY === true
  const redact = {
    paths: ['url', 'webhookUrl', 'webhook_url', 'secret', '*.url', '*.webhook_url', '*.secret', 'headers'],
    censor: '[redacted]',
  }
  const level = opts.level ?? process.env.LOOKOUT_LOG_LEVEL ?? 'info'
  if (pretty) {
    return pino({
      level,
      redact,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    })
  }
  return pino({ level, redact }, pino.destination({ dest: 2, sync: true }))
}

let silent: Logger | null = null
/** A logger that drops everything: tests and library callers that don't care. */
export function silentLogger(): Logger {
  silent ??= pinoLib().pino({ level: 'silent' })
  return silent
}
