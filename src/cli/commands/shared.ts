import { join } from 'node:path'
import { builtInConfig, resolveConfigPath } from '../../config/defaults.js'
import type { LookoutConfig } from '../../config/schema.js'
import { StoreError } from '../../core/errors.js'
import { type FormatConfig, isFormatName } from '../../parsers/format-names.js'
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js'
import type { Store } from '../../store/store.js'

export const STORE_FILE = 'lookout.db'

export const storePath = (cfg: LookoutConfig): string => join(cfg.state_dir, STORE_FILE)

/**
 * The command's config (--config, $LOOKOUT_CONFIG, ./lookout.yml), validated; with no file, the built-in defaults,
 * without loading the schema (config/defaults.ts).
 */
export async function configFrom(
  o: { config?: string | undefined },
  tolerateMissingEnv = false,
): Promise<LookoutConfig> {
  if (resolveConfigPath({ file: o.config }) === null) return builtInConfig()
  return (await import('../../config/load.js')).loadConfig({ file: o.config, tolerateMissingEnv })
}

/** For commands that only read the store: secrets from ${ENV} that this shell lacks are not needed. */
export const storeConfigFrom = (o: { config?: string | undefined }): Promise<LookoutConfig> => configFrom(o, true)

/** --format F: a format name as it is; anything else is checked by the format schema (parsers/config.ts). */
export async function formatFrom(flag: string): Promise<FormatConfig> {
  if (isFormatName(flag)) return flag
  return (await import('../../parsers/config.js')).parseFormatFlag(flag)
}

/** Opens the store of a config for reading/writing small things (status, outbox), also while `run` is running. */
export function openStoreFor(cfg: LookoutConfig): Store {
  try {
    return openSqliteStore(storePath(cfg))
  } catch (err) {
    throw new StoreError(`cannot open the store in ${cfg.state_dir} (is state_dir right, and readable by this user?)`, {
      cause: err,
    })
  }
}

/** ANSI colour only on a TTY and without NO_COLOR. */
export const useColor = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  stream.isTTY === true && !process.env.NO_COLOR

export const paint = (on: boolean) => ({
  bold: (s: string) => (on ? `\x1b[1m${s}\x1b[22m` : s),
  dim: (s: string) => (on ? `\x1b[2m${s}\x1b[22m` : s),
  red: (s: string) => (on ? `\x1b[31m${s}\x1b[39m` : s),
  green: (s: string) => (on ? `\x1b[32m${s}\x1b[39m` : s),
  yellow: (s: string) => (on ? `\x1b[33m${s}\x1b[39m` : s),
})

export const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString())
