/**
 * Which config applies, and the built-in defaults, without zod: a command run with no config file (a first `lookout
 * scan`, `parse`, `duty`) starts without loading and building the schema (~20 ms of every such start). load.ts
 * validates config files with the schema; load.test.ts checks that the schema makes the same of an empty config
 * as BUILT_IN here.
 */
import { accessSync, constants, existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, resolve } from 'node:path'
import type { LookoutConfig, RootConfig } from './schema.js'

export const DEFAULT_CONFIG_FILE = 'lookout.yml'
export const DEFAULT_STATE_DIR = '/var/lib/lookout'

export interface LoadOptions {
  /** --config FILE; undefined: $LOOKOUT_CONFIG, else ./lookout.yml, else built-in defaults */
  file?: string | undefined
  env?: NodeJS.ProcessEnv
  cwd?: string
  /**
   * Commands that only read the store (status, outbox) need no secrets: with `true`, a setting whose ${ENV} variable
   * is unset is left out together with the section that holds it (e.g. notify.slack), instead of being an error.
   */
  tolerateMissingEnv?: boolean
}

/** Which config file applies, or null for the built-in defaults. */
export function resolveConfigPath(opts: LoadOptions = {}): string | null {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  if (opts.file) return resolve(cwd, opts.file)
  if (env.LOOKOUT_CONFIG) return resolve(cwd, env.LOOKOUT_CONFIG)
  const local = resolve(cwd, DEFAULT_CONFIG_FILE)
  return existsSync(local) ? local : null
}

/** What the schema makes of an empty config (a new object each time: the caller freezes it). */
const builtIn = (): RootConfig => ({
  sources: [],
  trusted_proxies: [],
  allow: [],
  allow_loopback: true,
  max_line_bytes: 65536,
  log: { level: 'info', format: 'auto' },
  packs: { wordpress: true, web: true },
  rules: [],
  max_tracked_keys: 1_000_000,
  incidents: { resolve_after: 1_800_000, escalate_factor: 10, escalate_sites: 3, samples: 5, sample_max_chars: 300 },
  team: { members: [], owners: [], overrides: [] },
  notify: { webhooks: [], min_interval: 1000, digest_after: 5 },
})

/** The built-in defaults, as `lookout run` uses them with no config file. */
export const builtInConfig = (opts: Omit<LoadOptions, 'file'> = {}): LookoutConfig =>
  finishConfig(builtIn(), '<defaults>', opts)

/** A validated config with what depends on the machine resolved (state_dir, hostname), deep-frozen. */
export function finishConfig(data: RootConfig, file: string, opts: LoadOptions = {}): LookoutConfig {
  const cwd = opts.cwd ?? process.cwd()
  const cfg = {
    ...data,
    state_dir: data.state_dir
      ? resolve(file.startsWith('<') ? cwd : dirname(file), data.state_dir)
      : defaultStateDir(cwd),
    hostname: data.hostname ?? hostname(),
    configFile: file.startsWith('<') ? null : file,
  }
  return deepFreeze(cfg)
}

function defaultStateDir(cwd: string): string {
  for (const dir of [DEFAULT_STATE_DIR, dirname(DEFAULT_STATE_DIR)]) {
    try {
      accessSync(dir, constants.W_OK)
      return DEFAULT_STATE_DIR
    } catch {
      // not writable (or missing): try the parent, then fall back to the working directory
    }
  }
  return resolve(cwd, '.lookout')
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o)
    for (const v of Object.values(o)) deepFreeze(v)
  }
  return o
}
