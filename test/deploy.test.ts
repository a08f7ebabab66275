/**
 * What ships for servers: the systemd unit (deploy/lookout.service) and the example configs (examples/*.yml).
 * The unit is checked by `systemd-analyze verify` when the machine has it, and for the promises the README makes
 * about it (unprivileged, reads logs through adm, sandboxed, restarts) everywhere.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseConfigText } from '../src/config/load.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const unitFile = join(root, 'deploy', 'lookout.service')
const unitText = readFileSync(unitFile, 'utf8')

/** `[Section] Key=Value` lines; a key may repeat. Comments and blank lines dropped. */
function parseUnit(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const sec = /^\[(.+)\]$/.exec(line)
    if (sec) {
      section = sec[1] ?? ''
      continue
    }
    const eq = line.indexOf('=')
    if (eq < 0) throw new Error(`not a Key=Value line: ${line}`)
    const key = `${section}.${line.slice(0, eq)}`
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)])
  }
  return out
}

function whichSystemdAnalyze(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

describe('deploy/lookout.service', () => {
  const unit = parseUnit(unitText)
  const one = (key: string): string | undefined => unit.get(key)?.at(-1)

  it('runs `lookout run` with the server config, as an unprivileged user that reads logs through adm', () => {
    expect(one('Service.ExecStart')).toBe('lookout run --config /etc/lookout/lookout.yml')
    expect(one('Service.User')).toBe('lookout')
    expect(one('Service.SupplementaryGroups')).toBe('adm')
    expect(one('Service.EnvironmentFile')).toBe('-/etc/default/lookout')
    expect(one('Install.WantedBy')).toBe('multi-user.target')
  })

  it('is sandboxed, with only its state directory writable', () => {
    expect(one('Service.NoNewPrivileges')).toBe('yes')
    expect(one('Service.ProtectSystem')).toBe('strict')
    expect(one('Service.StateDirectory')).toBe('lookout')
    expect(one('Service.ProtectHome')).toBe('yes')
    expect(one('Service.PrivateTmp')).toBe('yes')
    expect(one('Service.CapabilityBoundingSet')).toBe('')
    expect(unit.has('Service.ReadWritePaths')).toBe(false)
  })

  it('restarts on failure, reloads on HUP, stops with SIGTERM in time', () => {
    expect(one('Service.Restart')).toBe('on-failure')
    expect(one('Service.RestartPreventExitStatus')).toBe('2')
    expect(one('Service.ExecReload')).toBe('/bin/kill -HUP $MAINPID')
    expect(one('Service.KillSignal')).toBe('SIGTERM')
    expect(one('Service.TimeoutStopSec')).toBe('5')
  })

  const analyze = whichSystemdAnalyze()
  it.skipIf(analyze === null)(
    `passes systemd-analyze verify${analyze === null ? ' (skipped: systemd-analyze is not installed)' : ''}`,
    () => {
      // verify insists that ExecStart's program exists. lookout is not installed globally on a dev or CI machine,
      // so that one line points at this checkout's node and CLI; every other line is verified as shipped.
      const dir = mkdtempSync(join(tmpdir(), 'lookout-unit-'))
      try {
        const copy = join(dir, 'lookout.service')
        const cli = join(root, 'dist', 'cli', 'main.js')
        writeFileSync(copy, unitText.replace(/^ExecStart=lookout /m, `ExecStart=${process.execPath} ${cli} `))
        expect(readFileSync(copy, 'utf8')).not.toBe(unitText)
        const r = spawnSync(analyze ?? '', ['verify', '--man=no', copy], { encoding: 'utf8', cwd: dir })
        // verify exits 0 on mere warnings (an unknown or misspelt key); a clean unit prints nothing at all.
        expect({ status: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ status: 0, output: '' })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

  it('uses /bin/kill, which exists on the machines it is meant for', () => {
    expect(() => execFileSync('/bin/kill', ['-l'], { stdio: 'ignore' })).not.toThrow()
  })
})

describe('examples/*.yml', () => {
  const dir = join(root, 'examples')
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'))

  it('has the Debian Apache and nginx examples', () => {
    expect(files).toEqual(expect.arrayContaining(['debian-apache.yml', 'nginx-vhosts.yml']))
  })

  for (const f of files) {
    it(`${f} is a valid config`, () => {
      const env = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX' }
      const cfg = parseConfigText(readFileSync(join(dir, f), 'utf8'), join(dir, f), { env, cwd: dir })
      expect(cfg.sources.length).toBeGreaterThan(0)
      expect(cfg.team.members.length).toBeGreaterThan(0)
      expect(cfg.team.rota?.order.length).toBeGreaterThan(0)
    })
  }
})
