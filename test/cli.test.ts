import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { StatusJson } from '../src/cli/commands/status.js'
import { CLI, lookout, VERBS } from './helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'lookout-cli-'))
const write = (name: string, text: string): string => {
  const f = join(dir, name)
  writeFileSync(f, text)
  return f
}

const COMBINED = [
  '203.0.113.7 - - [25/Nov/2026:10:00:00 +0100] "POST /wp-login.php HTTP/1.1" 200 4523 "https://shop.example/wp-login.php" "Mozilla/5.0"',
  'this is not an access log line',
  '2001:db8::7 - alice [25/Nov/2026:10:00:01 +0000] "GET /?author=2 HTTP/1.1" 301 0 "-" "curl/8.0"',
].join('\n')

describe('lookout CLI', () => {
  it('prints help and exits 0', () => {
    const r = lookout(['--help'])
    expect(r.code).toBe(0)
    for (const verb of VERBS) {
      expect(r.stdout).toContain(verb)
    }
  })

  it('exits 2 on an unknown verb or flag', () => {
    expect(lookout(['frobnicate']).code).toBe(2)
    expect(lookout(['status', '--jsn']).code).toBe(2)
  })

  it('parse prints one JSON object per line: the event or the error', () => {
    const r = lookout(['parse', '--format', 'combined'], { input: `${COMBINED}\n` })
    expect(r.code).toBe(0)
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(out).toHaveLength(3)
    expect(out[0]).toMatchObject({
      ip: '203.0.113.7',
      method: 'POST',
      path: '/wp-login.php',
      status: 200,
      time: '2026-11-25T09:00:00.000Z',
    })
    expect(out[1]).toMatchObject({ line: 'this is not an access log line' })
    expect(typeof out[1]?.error).toBe('string')
    expect(out[2]).toMatchObject({ ip: '2001:db8::7', user: 'alice', path: '/', query: 'author=2' })
  })

  it('parse reads files and rejects an unknown format with exit 2', () => {
    const f = write('access.log', `${COMBINED}\n`)
    expect(lookout(['parse', f]).stdout.trim().split('\n')).toHaveLength(3)
    const bad = lookout(['parse', '--format', 'combind', f])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/combind/)
  })

  it('parse stops quietly with 0 when its reader leaves early (| head)', async () => {
    const big = write('big.log', `${COMBINED}\n`.repeat(100_000))
    const child = spawn(process.execPath, [CLI, 'parse', big], { env: { ...process.env, LOOKOUT_CONFIG: '' } })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    // what `head -1` does: read the first output, then close the pipe while lookout is still writing
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    child.stdout.destroy()
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
  })

  it('run goes on watching when its console output can no longer be written', async () => {
    const log = write('watched.log', '')
    const cfg = write(
      'watch.yml',
      [
        `state_dir: ${join(dir, 'watch-state')}`,
        'sources:',
        `  - { path: ${log}, format: combined, site: shop.example, start_at: beginning }`,
        'log: { level: error }',
      ].join('\n'),
    )
    const child = spawn(process.execPath, [CLI, 'run', '--config', cfg], {
      env: { ...process.env, LOOKOUT_CONFIG: '' },
    })
    child.stdout.destroy() // nobody reads the console: the alert below cannot be written
    const status = () => JSON.parse(lookout(['status', '--json', '--config', cfg]).stdout) as StatusJson
    const until = async (ok: (s: StatusJson) => boolean) => {
      for (let i = 0; i < 100 && !ok(status()); i++) await new Promise((r) => setTimeout(r, 100))
    }
    const now = new Date().toUTCString().split(' ') // [day, dd, Mon, yyyy, hh:mm:ss, GMT]
    const line = (path: string) =>
      `203.0.113.9 - - [${now[1]}/${now[2]}/${now[3]}:${now[4]} +0000] "POST ${path} HTTP/1.1" 200 4523 "-" "x"\n`
    appendFileSync(log, line('/wp-login.php').repeat(6))
    await until((s) => s.incidents.open > 0)
    appendFileSync(log, line('/shop/'))
    await until((s) => s.sources[0]?.lines === 7)
    expect(child.exitCode).toBeNull()
    expect(status()).toMatchObject({ incidents: { open: 1 }, sources: [{ lines: 7 }] })
    child.kill('SIGTERM')
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0)
  })

  it('check names file, line and key of every problem and exits 2', () => {
    const f = write('bad.yml', 'sources:\n  - path: /x\n    start_at: middle\nallow: [nope]\n')
    const r = lookout(['check', '--config', f])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${f}:3:15: sources[0].start_at`)
    expect(r.stderr).toContain(`${f}:4:9: allow[0]`)
  })

  it('check accepts a good config and shows what would be watched', () => {
    const logs = join(dir, 'logs')
    write(
      'good.yml',
      `state_dir: ${join(dir, 'state')}\nsources:\n  - path: ${logs}/{site}.access.log\n    format: combined\n`,
    )
    const r = lookout(['check', '--config', join(dir, 'good.yml')])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('is valid')
    expect(r.stdout).toContain('wp-login-bruteforce')
  })

  it('config-schema prints a JSON Schema', () => {
    const r = lookout(['config-schema'])
    expect(r.code).toBe(0)
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> }
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['sources', 'state_dir', 'trusted_proxies', 'allow', 'team', 'notify', 'rules']),
    )
  })

  it('status --json works before anything ran', () => {
    write('empty.yml', `state_dir: ${join(dir, 'nothing-here')}\n`)
    const r = lookout(['status', '--json', '--config', join(dir, 'empty.yml')])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ sources: [], incidents: { open: 0, total: 0 } })
  })

  it('run reads stdin to its end, alerts on the console, and leaves with everything delivered', () => {
    const cfg = write(
      'stdin.yml',
      `state_dir: ${join(dir, 'stdin-state')}\nsources: [{ type: stdin, format: combined, site: shop }]\n`,
    )
    const lines = Array.from(
      { length: 6 },
      (_, i) => `203.0.113.9 - - [25/Nov/2026:10:00:0${i} +0000] "POST /wp-login.php HTTP/1.1" 200 1 "-" "x"`,
    )
    const r = lookout(['run', '--config', cfg], { input: `${lines.join('\n')}\n` })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('203.0.113.9 is trying passwords')
    expect(r.stdout).toContain('shop (5)')
    const status = JSON.parse(lookout(['status', '--json', '--config', cfg]).stdout) as {
      sources: Array<{ path: string; lines: number }>
      outbox: { pending: number; delivered: number }
    }
    expect(status.sources).toEqual([expect.objectContaining({ path: 'stdin', lines: 6 })])
    expect(status.outbox).toMatchObject({ pending: 0, delivered: 2 }) // opened, then resolved at the end
  })

  it('demo shows alerts from the live pipeline and a summary that checks them against the planted campaigns', () => {
    const r = lookout(['demo'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('is trying passwords')
    expect(r.stdout).toMatch(/It caught (\d+) of the \1 campaigns the generator planted; no innocent/)
    expect(r.stdout).toMatch(/opened \d+ incidents: \d+ single attackers?, 1 subnet, 1 distributed attack on a site\./)
  })

  it('outbox retry needs an id or --all', () => {
    write('o.yml', `state_dir: ${join(dir, 'o-state')}\n`)
    expect(lookout(['outbox', 'retry', '--config', join(dir, 'o.yml')]).code).toBe(2)
    expect(lookout(['outbox', 'retry', 'abc', '--config', join(dir, 'o.yml')]).code).toBe(2)
  })
})
