/**
 * Bundles the compiled CLI (dist/cli/main.js and everything it imports, lazily loaded commands included) into one
 * file, dist/cli/lookout.js, the package's `bin`. Why: Node 20 has no compile cache, and loading ~200 ES modules one
 * file at a time (resolve, read, parse, link) was a quarter of every command's start: `lookout scan` of an empty file
 * took ~0.39 s, bundled ~0.28 s (medians of 8). Run by `npm run build`, after tsc.
 *
 * Left outside the bundle: better-sqlite3 (a native addon), pino and pino-pretty (pino starts its pretty transport in
 * a worker thread that loads modules by name), and yaml (config/load.ts requires it only when there is YAML to read).
 */
import { dirname, resolve } from 'node:path'
import { build } from 'esbuild'

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
  outfile: 'dist/cli/lookout.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'yaml'],
  // bundled CommonJS packages (commander, ipaddr.js) require Node's built-ins: an ES module has no `require`
  banner: {
    js: "import { createRequire as __lookoutRequire } from 'node:module'; const require = __lookoutRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
})
