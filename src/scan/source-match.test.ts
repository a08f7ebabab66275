import { describe, expect, it } from 'vitest'
import { matchSourcePath } from './source-match.js'

describe('matchSourcePath', () => {
  it('matches globs and names the site from {site}', () => {
    expect(matchSourcePath('/var/log/nginx/{site}.access.log', '/var/log/nginx/shop.access.log')).toBe('shop')
    expect(matchSourcePath('/var/www/{site}/logs/*access*.log', '/var/www/blog.example/logs/access.log')).toBe(
      'blog.example',
    )
    expect(matchSourcePath('/var/log/apache2/*access.log', '/var/log/apache2/other_vhosts_access.log')).toBe('')
    expect(matchSourcePath('/var/log/**/access.log', '/var/log/a/b/access.log')).toBe('')
    expect(matchSourcePath('/var/log/nginx/{site}.access.log', '/var/log/nginx/access.log')).toBeNull()
    expect(matchSourcePath('/var/log/nginx/*.log', '/tmp/x.log')).toBeNull()
  })
})
