import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built CLI (npm test builds first), run as a user would run it. */
export const CLI = fileURLToPath(new URL('../../dist/cli/lookout.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function lookout(
  args: string[],
  opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input ?? '',
    cwd: opts.cwd,
    env: { ...process.env, LOOKOUT_CONFIG: '', NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** The CLI's verbs (design.md's contract): help lists them, the README documents them. */
export const VERBS = [
  'run',
  'scan',
  'parse',
  'check',
  'config-schema',
  'status',
  'duty',
  'outbox',
  'test-alert',
  'demo',
]
