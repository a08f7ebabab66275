import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { discoverSources } from './discover.js'

describe('discoverSources', () => {
  it('finds only the layouts that exist', () => {
    const root = mkdtempSync(join(tmpdir(), 'lookout-discover-'))
    expect(discoverSources(root)).toEqual([])
    mkdirSync(join(root, 'var/log/nginx'), { recursive: true })
    writeFileSync(join(root, 'var/log/nginx/shop.access.log'), '')
    mkdirSync(join(root, 'var/log/apache2'), { recursive: true }) // empty: not a source
    mkdirSync(join(root, 'var/www/blog.example/logs'), { recursive: true })
    expect(discoverSources(root).map((s) => s.path)).toEqual([
      join(root, 'var/log/nginx/*access.log'),
      join(root, 'var/www/{site}/logs/*access*.log'),
    ])
  })
})
