import { join } from 'node:path'
import { loadConfig } from '../../config/load.js'
import type { LookoutConfig } from '../../config/schema.js'
import { StoreError } from '../../core/errors.js'
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js'
import type { Store } from '../../store/store.js'

export const STORE_FILE = 'lookout.db'

export const storePath = (cfg: LookoutConfig): string => join(cfg.state_dir, STORE_FILE)

export const configFrom = (o: { config?: string | undefined }): LookoutConfig => loadConfig({ file: o.config })

/** For commands that only read the store: secrets from ${ENV} that this shell lacks are not needed. */
export const storeConfigFrom = (o: { config?: string | undefined }): LookoutConfig =>
  loadConfig({ file: o.config, tolerateMissingEnv: true })

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
