import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../core/errors.js'
import { builtInConfig } from './defaults.js'
import { loadConfig, parseConfigText, resolveConfigPath } from './load.js'

const dir = mkdtempSync(join(tmpdir(), 'lookout-config-'))
const write = (name: string, text: string): string => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}
const issuesOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    if (e instanceof ConfigError) return e.issues
    throw e
  }
  throw new Error('expected a ConfigError')
}

describe('config', () => {
  it('has built-in defaults without the schema that are what the schema makes of an empty config', () => {
    for (const cwd of [dir, '/']) {
      const cfg = builtInConfig({ cwd })
      expect(cfg).toEqual(parseConfigText('', '<defaults>', { cwd }))
      expect(Object.isFrozen(cfg.incidents)).toBe(true)
    }
  })

  it('gives frozen defaults without a file', () => {
    const cfg = loadConfig({ cwd: dir, env: {} })
    expect(cfg.sources).toEqual([])
    expect(cfg.max_line_bytes).toBe(65536)
    expect(cfg.configFile).toBeNull()
    expect(Object.isFrozen(cfg)).toBe(true)
    expect(Object.isFrozen(cfg.sources)).toBe(true)
  })

  it('fills source defaults and keeps the contract keys', () => {
    const cfg = parseConfigText(
      'state_dir: state\nsources:\n  - path: /var/log/nginx/{site}.access.log\n  - type: stdin\n    site: shop\n',
      join(dir, 'ok.yml'),
    )
    expect(cfg.state_dir).toBe(join(dir, 'state'))
    expect(cfg.sources[0]).toMatchObject({
      type: 'file',
      path: '/var/log/nginx/{site}.access.log',
      format: 'auto',
      start_at: 'end',
    })
    expect(cfg.sources[1]).toMatchObject({ type: 'stdin', site: 'shop' })
  })

  it('reports every problem at once with file, line:column and key path', () => {
    const file = write(
      'bad.yml',
      [
        'sources:',
        '  - path: /var/log/nginx/{site}.access.log',
        '    start_at: middle',
        '  - paht: /x',
        'allow: [10.0.0.0/33]',
        'statedir: x',
      ].join('\n'),
    )
    const issues = issuesOf(() => loadConfig({ file }))
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]))
    expect(byPath['sources[0].start_at']).toMatchObject({ file, line: 3, column: 15 })
    expect(byPath['sources[1].paht']).toMatchObject({ line: 4, column: 5 })
    expect(byPath['allow[0]']).toMatchObject({ line: 5 })
    expect(byPath.statedir?.message).toContain('did you mean "state_dir"')
    expect(byPath.statedir?.line).toBe(6)
  })

  it('suggests the key or format a slip of the keyboard meant, among those valid where it stands', () => {
    const text = [
      'sources:',
      '  - path: /x.log',
      '    formt: combined',
      '  - path: /y.log',
      '    format: combnied',
      'packs:',
      '  wordpres: true',
      '  web:',
      '    404-scna: false',
      'start_at: end', // a key of sources[], not of the top level
    ].join('\n')
    const byPath = Object.fromEntries(issuesOf(() => parseConfigText(text, 'x.yml')).map((i) => [i.path, i.message]))
    expect(byPath).toEqual({
      'sources[0].formt': 'unknown key "formt" (did you mean "format"?)',
      'sources[1].format': expect.stringContaining('unknown format "combnied" (did you mean "combined"?)'),
      'packs.wordpres': 'unknown key "wordpres" (did you mean "wordpress"?)',
      'packs.web.404-scna': 'unknown key "404-scna" (did you mean "404-scan"?)',
      start_at: 'unknown key "start_at"',
    })
  })

  it('substitutes ${ENV} and names a missing variable', () => {
    const cfg = parseConfigText('hostname: ${LK_HOST}-1\n', 'x.yml', { env: { LK_HOST: 'web' } })
    expect(cfg.hostname).toBe('web-1')
    const issues = issuesOf(() => parseConfigText('hostname: ${LK_MISSING}\n', 'x.yml', { env: {} }))
    expect(issues[0]).toMatchObject({
      path: 'hostname',
      line: 1,
      message: 'environment variable LK_MISSING is not set',
    })
    expect(parseConfigText('hostname: $${LITERAL}\n', 'x.yml', { env: {} }).hostname).toBe('${LITERAL}')
  })

  it('lets read-only commands do without secrets from an unset ${ENV}', () => {
    const text = 'hostname: h\nnotify:\n  slack:\n    webhook_url: ${LK_SLACK}\n'
    expect(() => parseConfigText(text, 'x.yml', { env: {} })).toThrow(ConfigError)
    const cfg = parseConfigText(text, 'x.yml', { env: {}, tolerateMissingEnv: true })
    expect(cfg.hostname).toBe('h')
    expect(cfg.notify.slack).toBeUndefined()
  })

  it('reports YAML syntax errors with their position', () => {
    const issues = issuesOf(() => parseConfigText('sources:\n  - path: [unclosed\n', 'y.yml'))
    expect(issues[0]?.file).toBe('y.yml')
    expect(issues[0]?.line).toBeGreaterThan(0)
  })

  it('names a missing config file plainly', () => {
    const issues = issuesOf(() => loadConfig({ file: join(dir, 'nope.yml') }))
    expect(issues[0]?.message).toBe('cannot read the config file: no such file')
  })

  it('resolves --config, then $LOOKOUT_CONFIG, then ./lookout.yml', () => {
    expect(resolveConfigPath({ file: 'a.yml', cwd: '/x', env: { LOOKOUT_CONFIG: '/b.yml' } })).toBe('/x/a.yml')
    expect(resolveConfigPath({ cwd: '/x', env: { LOOKOUT_CONFIG: '/b.yml' } })).toBe('/b.yml')
    expect(resolveConfigPath({ cwd: dir, env: {} })).toBeNull()
    write('lookout.yml', 'hostname: here\n')
    expect(resolveConfigPath({ cwd: dir, env: {} })).toBe(join(dir, 'lookout.yml'))
  })
})
