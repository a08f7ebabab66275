/**
 * An unreadable log (EACCES) as a real unprivileged `lookout run` meets it: a warning naming the file, no crash, and
 * the lines are read once the permission is fixed. Root reads everything, so the run is started as `nobody`
 * (when the suite runs unprivileged, src/sources/file/tail.test.ts covers EACCES in-process instead).
 */

import { spawn } from 'node:child_process'
import { appendFileSync, chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI } from './helpers/cli.js'

const NOBODY = 65534
const isRoot = process.getuid?.() === 0
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!isRoot)('an unreadable log, as an unprivileged lookout run (needs root to start it as nobody)', () => {
  it('warns naming the file, keeps running, and reads the file once it becomes readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-eacces-'))
    chmodSync(dir, 0o777)
    const log = join(dir, 'secret.access.log')
    writeFileSync(log, '203.0.113.1 - - [25/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"\n')
    chmodSync(log, 0o600) // root's, unreadable for nobody
    const config = join(dir, 'lookout.yml')
    writeFileSync(
      config,
      `state_dir: ${join(dir, 'state')}\nsources: [{ path: ${log}, format: combined, start_at: beginning }]\n`,
    )
    chmodSync(config, 0o644)
    const child = spawn(process.execPath, [CLI, 'run', '--config', config], {
      uid: NOBODY,
      gid: NOBODY,
      env: { ...process.env, LOOKOUT_CONFIG: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    try {
      const until = async (re: RegExp, ms: number) => {
        const end = Date.now() + ms
        while (!re.test(err) && Date.now() < end) await sleep(50)
        expect(err).toMatch(re)
      }
      await until(/EACCES/, 10_000)
      expect(err).toContain(log)
      expect(child.exitCode).toBeNull()
      chmodSync(log, 0o644)
      appendFileSync(log, '203.0.113.2 - - [25/Nov/2026:10:00:01 +0000] "GET /a HTTP/1.1" 200 1 "-" "x"\n')
      // the slow poll (5 s) retries it; then both lines are read
      const statusOut = async () => {
        const { execFileSync } = await import('node:child_process')
        return JSON.parse(
          execFileSync(process.execPath, [CLI, 'status', '--json', '--config', config], { encoding: 'utf8' }),
        ) as {
          sources: Array<{ path: string; lines: number }>
        }
      }
      const end = Date.now() + 15_000
      let lines = 0
      while (Date.now() < end) {
        lines = (await statusOut()).sources.find((s) => s.path === log)?.lines ?? 0
        if (lines === 2) break
        await sleep(250)
      }
      expect(lines).toBe(2)
      expect(child.exitCode).toBeNull()
    } finally {
      child.kill('SIGKILL')
    }
  })
})
