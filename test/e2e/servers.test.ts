/**
 * The harness itself: real nginx and Apache answer like WordPress and log each request, with the client's
 * loopback address, in the format lookout will be configured for. If this fails, e2e.test.ts cannot mean anything.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, wpLogin, xmlrpc } from './client.js'
import { apacheLogrotate, nginxLogrotate, written } from './rotate.js'
import { findBinary, startApache, startNginx, type WebServer } from './servers.js'

const missing = ['nginx', 'apache2', 'logrotate'].filter((b) => findBinary(b) === null)
const COMBINED = /^(\S+) - (\S+) \[[^\]]+\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/
const VHOST_COMBINED = /^(\S+):(\d+) (\S+) - (\S+) \[[^\]]+\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean)

/** The lines of `file` once it has `n` (a server writes its access-log line after it has answered): waits up to 2 s. */
async function linesOnce(file: string, n: number): Promise<string[]> {
  for (let i = 0; i < 100 && lines(file).length < n; i++) await new Promise((r) => setTimeout(r, 20))
  return lines(file)
}

describe.skipIf(missing.length > 0)(
  `real web servers${missing.length > 0 ? ` (skipped: no ${missing.join(', ')})` : ''}`,
  () => {
    let dir = ''
    let nginx: WebServer & { pidFile: string }
    let apache: WebServer
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lookout-e2e-servers-'))
      ;[nginx, apache] = await Promise.all([
        startNginx(join(dir, 'nginx'), ['blog.test', 'shop.test']),
        startApache(join(dir, 'apache'), ['cafe.test', 'garden.test']),
      ])
    })
    afterAll(async () => {
      await Promise.all([nginx?.stop(), apache?.stop()])
      if (dir !== '') rmSync(dir, { recursive: true, force: true })
    })

    for (const kind of ['nginx', 'apache'] as const) {
      it(`${kind} answers like WordPress`, async () => {
        const srv = kind === 'nginx' ? nginx : apache
        const site = srv.sites[0] ?? ''
        const from = kind === 'nginx' ? '127.0.0.201' : '127.0.0.202'
        const statuses = [
          (await wpLogin(from, srv.port, site, 'admin', false)).status,
          (await wpLogin(from, srv.port, site, 'admin', true)).status,
          (await xmlrpc(from, srv.port, site)).status,
          (await request({ from, port: srv.port, site, path: '/?author=1' })).status,
          (await request({ from, port: srv.port, site, path: '/?author=9' })).status,
          (await request({ from, port: srv.port, site, path: '/' })).status,
          (await request({ from, port: srv.port, site, path: '/about/' })).status,
          (await request({ from, port: srv.port, site, path: '/.env' })).status,
        ]
        expect(statuses).toEqual([200, 302, 200, 301, 404, 200, 200, 404])
      })
    }

    it('nginx writes one combined log per site, with the client loopback address', async () => {
      await request({ from: '127.0.0.203', port: nginx.port, site: 'shop.test', path: '/contact/' })
      const shop = await linesOnce(nginx.logOf('shop.test'), 1)
      expect(shop).toHaveLength(1)
      const m = COMBINED.exec(shop[0] ?? '')
      expect(m?.slice(1, 5)).toEqual(['127.0.0.203', '-', 'GET /contact/ HTTP/1.1', '200'])
      const blog = (await linesOnce(nginx.logOf('blog.test'), 8)).map((l) => COMBINED.exec(l)?.slice(1, 5))
      expect(blog.map((m) => m?.[0])).toEqual(Array(8).fill('127.0.0.201'))
      expect(blog[0]).toEqual(['127.0.0.201', '-', 'POST /wp-login.php HTTP/1.1', '200'])
    })

    it('apache writes every vhost to one vhost_combined log', async () => {
      await request({ from: '127.0.0.204', port: apache.port, site: 'garden.test', path: '/robots.txt' })
      const all = (await linesOnce(apache.logOf('garden.test'), 9)).map((l) => VHOST_COMBINED.exec(l))
      expect(all.every((m) => m !== null)).toBe(true)
      expect(all.map((m) => [m?.[1], m?.[3], m?.[5], m?.[6]])).toEqual([
        ['cafe.test', '127.0.0.202', 'POST /wp-login.php HTTP/1.1', '200'],
        ['cafe.test', '127.0.0.202', 'POST /wp-login.php HTTP/1.1', '302'],
        ['cafe.test', '127.0.0.202', 'POST /xmlrpc.php HTTP/1.1', '200'],
        ['cafe.test', '127.0.0.202', 'GET /?author=1 HTTP/1.1', '301'],
        ['cafe.test', '127.0.0.202', 'GET /?author=9 HTTP/1.1', '404'],
        ['cafe.test', '127.0.0.202', 'GET / HTTP/1.1', '200'],
        ['cafe.test', '127.0.0.202', 'GET /about/ HTTP/1.1', '200'],
        ['cafe.test', '127.0.0.202', 'GET /.env HTTP/1.1', '404'],
        ['garden.test', '127.0.0.204', 'GET /robots.txt HTTP/1.1', '200'],
      ])
    })

    it('logrotate: nginx logs are renamed and reopened (create), the Apache log is copied and truncated', async () => {
      const before = { blog: written(nginx.logOf('blog.test')), apache: written(apache.logs[0] ?? '') }
      nginxLogrotate(dir, nginx.logDir, nginx.pidFile).run()
      apacheLogrotate(dir, apache.logs[0] ?? '').run()
      expect(lines(nginx.logOf('blog.test'))).toHaveLength(0)
      expect(lines(apache.logs[0] ?? '')).toHaveLength(0)
      // nginx reopens on USR1 asynchronously: a request soon lands in the new file.
      for (let i = 0; i < 50 && lines(nginx.logOf('blog.test')).length === 0; i++) {
        await request({ from: '127.0.0.205', port: nginx.port, site: 'blog.test', path: '/' })
      }
      await request({ from: '127.0.0.205', port: apache.port, site: 'cafe.test', path: '/' })
      expect(lines(nginx.logOf('blog.test')).at(-1)).toMatch(/^127\.0\.0\.205 /)
      expect(await linesOnce(apache.logs[0] ?? '', 1)).toHaveLength(1)
      const after = { blog: written(nginx.logOf('blog.test')), apache: written(apache.logs[0] ?? '') }
      expect(after.blog.files).toBe(2)
      expect(after.apache).toMatchObject({ files: 2, lines: before.apache.lines + 1 })
      expect(after.blog.lines).toBeGreaterThan(before.blog.lines)
    })
  },
)
