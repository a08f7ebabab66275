/**
 * The bin (src/cli/lookout.ts) runs the bundle with the code cache the build made. The cache must fit the Node that
 * runs the tests (else every command compiles the bundle again, silently slower), and a cache that does not fit,
 * or none at all, must only cost speed.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'
import { afterAll, describe, expect, it } from 'vitest'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const CLI_DIR = join(DIST, 'cli')
const wrapped = (source: string): string => `(function (exports, require, module, __filename, __dirname) {${source}\n})`

describe('the code cache', () => {
  it('fits the bundle and this Node: V8 takes it', () => {
    const bundle = join(CLI_DIR, 'lookout.cjs')
    const script = new Script(wrapped(readFileSync(bundle, 'utf8')), {
      filename: bundle,
      cachedData: readFileSync(`${bundle}.cache`),
    })
    expect(script.cachedDataRejected).toBe(false)
    // and it is not just a cache of the top level: the sample scan's functions are in it
    expect(readFileSync(`${bundle}.cache`).length).toBeGreaterThan(200_000)
  })

  // a copy of the bin and the bundle beside dist/cli (the bundle finds its packages and ../../package.json from there)
  const dir = mkdtempSync(join(DIST, 'code-cache-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(CLI_DIR, 'lookout.js'), join(dir, 'lookout.js'))
  copyFileSync(join(CLI_DIR, 'lookout.cjs'), join(dir, 'lookout.cjs'))
  const log = join(dir, 'access.log')
  writeFileSync(
    log,
    '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000] "POST /wp-login.php HTTP/1.1" 200 512 "-" "curl/8"\nnot a line\n',
  )
  const scan = () =>
    spawnSync(process.execPath, [join(dir, 'lookout.js'), 'scan', '--json', log], {
      cwd: dir,
      env: { ...process.env, LOOKOUT_CONFIG: '' },
      encoding: 'utf8',
    })

  it.each([
    ['no cache', null],
    ['a cache of garbage', Buffer.alloc(4096, 0x5a)],
    ['a cache cut short', () => readFileSync(join(CLI_DIR, 'lookout.cjs.cache')).subarray(0, 50_000)],
  ])('with %s the command still works', (_what, cache) => {
    rmSync(join(dir, 'lookout.cjs.cache'), { force: true })
    if (cache !== null) writeFileSync(join(dir, 'lookout.cjs.cache'), typeof cache === 'function' ? cache() : cache)
    const r = scan()
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ lines: 2, parsed: 1, unparsed: 1 })
  })

  it('a cache of another bundle is refused, and the bundle on disk is what runs', () => {
    copyFileSync(join(CLI_DIR, 'lookout.cjs.cache'), join(dir, 'lookout.cjs.cache'))
    const changed = `${readFileSync(join(CLI_DIR, 'lookout.cjs'), 'utf8')}\nprocess.stderr.write('changed bundle\\n')\n`
    writeFileSync(join(dir, 'lookout.cjs'), changed)
    const r = scan()
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('changed bundle\n')
  })
})
