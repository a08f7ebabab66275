/**
 * What a command loads when it starts: with no config file, the built-in defaults come without the config schema
 * (config/defaults.ts), so scan, parse and duty start without building zod (~20 ms of every start). A probe preloaded
 * into the real command says at exit whether zod was set up.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI } from './helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'lookout-startup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const probe = join(dir, 'probe.cjs')
writeFileSync(
  probe,
  "process.on('exit', () => process.stderr.write(`zod: ${'__zod_globalConfig' in globalThis}\\n`))\n",
)
const log = join(dir, 'access.log')
writeFileSync(log, '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8"\n')

function zodLoaded(args: string[], files: Record<string, string> = {}): boolean {
  const cwd = mkdtempSync(join(dir, 'cwd-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text)
  const r = spawnSync(process.execPath, ['-r', probe, CLI, ...args], {
    cwd,
    env: { ...process.env, LOOKOUT_CONFIG: '' },
    encoding: 'utf8',
  })
  expect(r.status).toBe(0)
  const said = /zod: (true|false)/.exec(r.stderr)
  expect(said).not.toBeNull()
  return said?.[1] === 'true'
}

describe('start-up', () => {
  it('scan, parse and duty on the built-in defaults never set up the config schema', () => {
    expect(zodLoaded(['scan', '--json', log])).toBe(false)
    expect(zodLoaded(['scan', '--json', '--format', 'combined', log])).toBe(false)
    expect(zodLoaded(['parse', log])).toBe(false)
    expect(zodLoaded(['duty'])).toBe(false)
  })

  it('a config file, or a format string, is checked by the schema', () => {
    expect(zodLoaded(['scan', '--json', log], { 'lookout.yml': 'max_line_bytes: 4096\n' })).toBe(true)
    expect(zodLoaded(['scan', '--json', '--format', 'apache:%h %l %u %t "%r" %>s %b', log])).toBe(true)
  })
})
