import { describe, expect, it } from 'vitest'
import { compilePattern, compileValuePattern, PathSet, PatternError } from './pattern.js'
import { canonicalPath, queryValue } from './query.js'

const matches = (pattern: string, path: string): boolean => compilePattern(pattern).test(path)

describe('path patterns', () => {
  it('exact, prefix and glob', () => {
    expect(compilePattern('/wp-login.php').kind).toBe('exact')
    expect(matches('/wp-login.php', '/wp-login.php')).toBe(true)
    expect(matches('/wp-login.php', '/wp-login.php5')).toBe(false)
    expect(compilePattern('/wp-admin/*').kind).toBe('prefix')
    expect(matches('/wp-admin/*', '/wp-admin/css/x.css')).toBe(true)
    expect(matches('/wp-admin/*', '/wp-adminx')).toBe(false)
    expect(compilePattern('/*.sql').kind).toBe('glob')
    expect(matches('/*.sql', '/dump.sql')).toBe(true)
    expect(matches('/*.sql', '/a/dump.sql')).toBe(false)
    expect(matches('**/.env', '/.env')).toBe(true)
    expect(matches('**/.env', '/laravel/.env')).toBe(true)
    expect(matches('**/.env', '/x.env')).toBe(false)
    expect(matches('**/.env.*', '/app/.env.local')).toBe(true)
    expect(matches('/backup*.tar.gz', '/backup-2024.tar.gz')).toBe(true)
    expect(matches('/backup*.tar.gz', '/backup/x.tar.gz')).toBe(false)
    expect(matches('**/wp-config.php.*', '/blog/wp-config.php.bak')).toBe(true)
    expect(matches('**.png', '/a/b/c.png')).toBe(true)
    expect(matches('/a/*/c/*.txt', '/a/b/c/d.txt')).toBe(true)
    expect(matches('/a/*/c/*.txt', '/a/b/x/c/d.txt')).toBe(false)
    expect(matches('/a/**/c/*.txt', '/a/b/x/c/d.txt')).toBe(true)
  })

  it('takes linear time on adversarial paths (no backtracking)', () => {
    const p = compilePattern('/**a**a**a**a**a**b')
    const path = `/${'a'.repeat(100_000)}`
    expect(p.test(path)).toBe(false) // would take ages with a backtracking regex
    expect(p.test(`${path}b`)).toBe(true)
  })

  it('refuses what it does not support, saying why', () => {
    expect(() => compilePattern('wp-login.php')).toThrow(/starts with "\/"/)
    expect(() => compilePattern('/a/***')).toThrow(/not \*\*\*/)
    expect(() => compilePattern('/wp-login.ph?')).toThrow(/"\?" is not supported/)
    expect(() => compilePattern('/[ab].php')).toThrow(PatternError)
    expect(() => compilePattern('')).toThrow(/empty/)
    expect(() => compileValuePattern('/wp/*/users')).toThrow(/exact or ends with \*/)
  })

  it('a PathSet matches any of its patterns', () => {
    const set = new PathSet(['/.env', '/.git/*', '/*.sql', '**/wp-config.php~'].map(compilePattern))
    for (const p of ['/.env', '/.git/config', '/db.sql', '/blog/wp-config.php~']) expect(set.test(p), p).toBe(true)
    for (const p of ['/', '/index.php', '/x/db.sql', '/.gitignore', '/e']) expect(set.test(p), p).toBe(false)
    expect(set.exactOnly).toBe(false)
    expect(new PathSet([compilePattern('/a'), compilePattern('/b')]).exactOnly).toBe(true)
  })
})

describe('canonicalPath', () => {
  it('resolves what the web server would', () => {
    expect(canonicalPath('/wp-login.php')).toBe('/wp-login.php')
    expect(canonicalPath('//wp-login.php')).toBe('/wp-login.php')
    expect(canonicalPath('/wp%2Dlogin.php')).toBe('/wp-login.php')
    expect(canonicalPath('/x/../wp-login.php')).toBe('/wp-login.php')
    expect(canonicalPath('/./.git/config')).toBe('/.git/config')
    expect(canonicalPath('/a/b/')).toBe('/a/b/')
    expect(canonicalPath('/%E0%A4%A')).toBe('/%E0%A4%A')
  })
})

describe('queryValue', () => {
  it('finds, decodes, and tells absent from empty', () => {
    expect(queryValue('author=2', 'author')).toBe('2')
    expect(queryValue('?x=1&author=3', 'author')).toBe('3')
    expect(queryValue('authors=3', 'author')).toBeNull()
    expect(queryValue('author', 'author')).toBe('')
    expect(queryValue('author=', 'author')).toBe('')
    expect(queryValue('rest_route=%2Fwp%2Fv2%2Fusers', 'rest_route')).toBe('/wp/v2/users')
    expect(queryValue('%61uthor=1', 'author')).toBe('1')
    expect(queryValue('', 'author')).toBeNull()
  })
})
