#!/usr/bin/env node
/**
 * The `lookout` command (the package's bin). It runs the bundle beside it (lookout.cjs: the whole CLI in one file,
 * made by scripts/bundle.mjs) with V8's code cache for it (lookout.cjs.cache, which the build makes from a sample
 * scan): a command then neither compiles ~1 MB of JavaScript nor, one by one, the functions it calls on its way.
 * Node 20 has no compile cache of its own (22 has module.enableCompileCache). V8 refuses a cache that does not fit
 * (another Node version, a rebuilt bundle) and the bundle is compiled as usual, only slower to start.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

const dir = dirname(fileURLToPath(import.meta.url))
const bundle = join(dir, 'lookout.cjs')
const cacheFile = `${bundle}.cache`

let cachedData: Buffer | undefined
try {
  cachedData = readFileSync(cacheFile)
} catch {
  // no cache (a build without one): compiled as usual
}
// what Node's CommonJS loader does with a file, by hand, for the cachedData option it does not offer
const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`,
  { filename: bundle, ...(cachedData ? { cachedData } : {}) },
)
// the build's sample run (scripts/bundle.mjs): the cache is taken at exit, with every function that ran compiled
if (process.env.LOOKOUT_WRITE_CODE_CACHE === '1') {
  process.once('exit', () => {
    try {
      writeFileSync(cacheFile, script.createCachedData())
    } catch (err) {
      process.stderr.write(`lookout: cannot write the code cache ${cacheFile}: ${(err as Error).message}\n`)
    }
  })
}
const module = { exports: {} }
const run = script.runInThisContext() as (...args: unknown[]) => void
run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dir)
