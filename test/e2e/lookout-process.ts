/**
 * The built CLI (dist/cli/lookout.js) as a real child process: `lookout run` started, crashed (SIGKILL) and stopped
 * by pid, and `lookout status --json` read while it runs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** This checkout's build, or another lookout CLI script (e.g. a globally installed one) named by LOOKOUT_E2E_CLI. */
export const CLI = process.env.LOOKOUT_E2E_CLI || fileURLToPath(new URL('../../dist/cli/lookout.js', import.meta.url))

/** Whether `npm run build` has produced the CLI. */
export const cliBuilt = (): boolean => existsSync(CLI)

export interface LookoutRun {
  readonly pid: number
  readonly child: ChildProcess
  /** everything it wrote to stderr (pino JSON lines) */
  stderr(): string
  /** kill -9: a crash, no chance to flush anything */
  crash(): Promise<void>
  /** false once the process has exited */
  alive(): boolean
  /** SIGTERM; resolves with how it exited and how long it took */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>
}

/** Starts `lookout run --config FILE` and waits until it says it is watching. */
export async function startLookout(config: string, env: NodeJS.ProcessEnv): Promise<LookoutRun> {
  const child = spawn(process.execPath, [CLI, 'run', '--config', config], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    err += d
    if (err.length > 200_000) err = err.slice(-100_000)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const deadline = Date.now() + 15_000
  while (!/is watching/.test(err)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`lookout run exited (${child.exitCode ?? child.signalCode}) before watching:\n${err}`)
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`lookout run did not say it is watching within 15 s:\n${err}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  const gone = () => child.exitCode !== null || child.signalCode !== null
  return {
    pid: child.pid ?? -1,
    child,
    stderr: () => err,
    alive: () => !gone(),
    async crash() {
      if (gone()) return
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      const t0 = Date.now()
      if (gone()) return { code: child.exitCode, signal: child.signalCode, ms: 0 }
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const r = await exited
      clearTimeout(timer)
      return { ...r, ms: Date.now() - t0 }
    },
  }
}

export interface StatusSource {
  path: string
  lines: number
  bytes: number
  unparsed: number
  offset: number
  lastLineAt: string | null
}

export interface Status {
  sources: StatusSource[]
  incidents: { open: number; total: number }
  outbox: { pending: number; delivered: number; failed: number }
}

/** `lookout status --json --config FILE`, parsed. */
export function lookoutStatus(config: string, env: NodeJS.ProcessEnv): Status {
  const out = execFileSync(process.execPath, [CLI, 'status', '--json', '--config', config], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 20_000,
  })
  return JSON.parse(out) as Status
}

/** The top-level keys the CLI's config accepts (from `lookout config-schema`). */
export function configKeys(): string[] {
  const out = execFileSync(process.execPath, [CLI, 'config-schema'], { encoding: 'utf8', timeout: 20_000 })
  const schema = JSON.parse(out) as { properties?: Record<string, unknown> }
  return Object.keys(schema.properties ?? {})
}
