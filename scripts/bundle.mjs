/**
 * Bundles the compiled CLI (dist/cli/main.js and everything it imports, lazily loaded commands included) into one
 * CommonJS file, dist/cli/lookout.cjs, and makes V8's code cache for it, dist/cli/lookout.cjs.cache, from a sample
 * scan. The package's `bin` (dist/cli/lookout.js, src/cli/lookout.ts) runs the bundle with that cache. Why: Node 20
 * has no compile cache; loading ~200 ES modules one file at a time (resolve, read, parse, link) was a quarter of every
 * command's start (`lookout scan` of an empty file: ~0.39 s, bundled ~0.28 s), and compiling the bundle and then
 * each function it runs was most of what was left (with the cache: 0.25 -> 0.21 s, medians of 20). CommonJS because
 * only a script (vm.Script) takes a code cache in Node 20, not an ES module. Run by `npm run build`, after tsc.
 *
 * Left outside the bundle: better-sqlite3 (a native addon), pino and pino-pretty (pino starts its pretty transport in
 * a worker thread that loads modules by name), and yaml (config/load.ts requires it only when there is YAML to read).
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { build } from 'esbuild'

const abs = (p) => (p.startsWith('dist/') ? resolve(p) : p)

/**
 * zod exports every language it can word its messages in (`z.locales`), and loading them all took ~8 ms of every
 * command's start. lookout's messages are its own, in English: the bundle keeps zod's English only (zod sets it up
 * itself, from locales/en.js).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: resolve(args.resolveDir, args.path.replace(/index\.js$/, 'en.js')), namespace: 'zod-en' }
        : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)}`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }))
  },
}

await build({
  entryPoints: ['dist/cli/main.js'],
  // beside main.js: `--version` reads ../../package.json from where the code runs (src/cli/version.ts)
  outfile: 'dist/cli/lookout.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'yaml'],
  // a CommonJS file has no import.meta: its URL is made from __filename
  define: { 'import.meta.url': '__lookoutUrl' },
  banner: { js: "const __lookoutUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
})

/**
 * The code cache: the bin run on a generated sample (`scan` of a few thousand lines, as a user would first run it)
 * writes it at exit, with every function that ran compiled. No cache is no error: the command only starts slower.
 */
const tmp = mkdtempSync(join(tmpdir(), 'lookout-bundle-'))
try {
  const sample = join(tmp, 'access.log')
  const run = (args, env = {}) =>
    execFileSync(process.execPath, args, { cwd: tmp, env: { ...process.env, LOOKOUT_CONFIG: '', ...env }, stdio: 'pipe' })
  run(['dist/generator/cli.js', '--seed', '3', '--lines', '20000', '--out', sample].map(abs))
  chmodSync('dist/cli/lookout.js', 0o755) // (the bin: tsc writes it without the mode)
  rmSync('dist/cli/lookout.cjs.cache', { force: true })
  run([abs('dist/cli/lookout.js'), 'scan', '--json', sample], { LOOKOUT_WRITE_CODE_CACHE: '1' })
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
