import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compilePattern, expandPattern, expandSourcePath, isLiteralPattern } from './glob.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-glob-'))
  for (const f of [
    'shop.access.log',
    'blog.access.log',
    'blog.error.log',
    'a1.log',
    'b2.log',
    '.hidden.log',
    'x[1].log',
  ]) {
    writeFileSync(join(dir, f), '')
  }
  mkdirSync(join(dir, 'www', 'one', 'logs'), { recursive: true })
  mkdirSync(join(dir, 'www', 'two', 'logs'), { recursive: true })
  mkdirSync(join(dir, 'www', 'dir.access.log'), { recursive: true })
  writeFileSync(join(dir, 'www', 'one', 'logs', 'access.log'), '')
  writeFileSync(join(dir, 'www', 'two', 'logs', 'access.log'), '')
  writeFileSync(join(dir, 'www', 'two', 'logs', 'deep.log'), '')
  symlinkSync(join(dir, 'shop.access.log'), join(dir, 'link.access.log'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const paths = (pattern: string): string[] =>
  expandSourcePath(pattern)
    .map((m) => m.path.slice(dir.length + 1))
    .sort()

describe('source path patterns', () => {
  it('{site} globs within a segment and names the site', () => {
    const m = expandSourcePath(join(dir, '{site}.access.log')).sort((a, b) => a.path.localeCompare(b.path))
    expect(m.map((x) => x.site)).toEqual(['blog', 'link', 'shop'])
  })

  it('{site} can name a folder', () => {
    const m = expandSourcePath(join(dir, 'www/{site}/logs/access.log'))
    expect(m.map((x) => x.site).sort()).toEqual(['one', 'two'])
  })

  it('*, ?, [...] and [!...]; dotfiles only when asked; directories never match', () => {
    expect(paths(join(dir, '*.log'))).toEqual(
      [
        'a1.log',
        'b2.log',
        'blog.access.log',
        'blog.error.log',
        'link.access.log',
        'shop.access.log',
        'x[1].log',
      ].sort(),
    )
    expect(paths(join(dir, '?1.log'))).toEqual(['a1.log'])
    expect(paths(join(dir, '[ab][0-9].log'))).toEqual(['a1.log', 'b2.log'])
    expect(paths(join(dir, '[!a]2.log'))).toEqual(['b2.log'])
    expect(paths(join(dir, '.*.log'))).toEqual(['.hidden.log'])
    expect(paths(join(dir, 'www/*.access.log'))).toEqual([])
  })

  it('** crosses folders', () => {
    expect(paths(join(dir, 'www/**/*.log'))).toEqual([
      'www/one/logs/access.log',
      'www/two/logs/access.log',
      'www/two/logs/deep.log',
    ])
  })

  it('reports the folders to watch; a literal path is one file', () => {
    const p = compilePattern(join(dir, 'www/*/logs/access.log'))
    expect(p.base).toBe(join(dir, 'www'))
    expect(expandPattern(p).dirs.sort()).toEqual([
      join(dir, 'www'),
      join(dir, 'www/one/logs'),
      join(dir, 'www/two/logs'),
    ])
    expect(isLiteralPattern(compilePattern('/var/log/nginx/access.log'))).toBe(true)
    expect(isLiteralPattern(p)).toBe(false)
    expect(paths(join(dir, 'a1.log'))).toEqual(['a1.log'])
    expect(paths(join(dir, 'missing.log'))).toEqual([])
  })

  it('regex characters in names are literal', () => {
    expect(paths(join(dir, 'x[[]1].log'))).toEqual(['x[1].log'])
    expect(paths(join(dir, 'a1.lo?'))).toEqual(['a1.log'])
    expect(paths(join(dir, 'a1+log'))).toEqual([])
  })
})
