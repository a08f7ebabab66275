/**
 * Writes a generated log for benchmarks and experiments (not part of the `lookout` CLI):
 *   node dist/generator/cli.js --seed 1 --lines 1000000 --out FILE [--format combined|vhost_combined] [--sites 40]
 *                              [--campaigns all|none] [--distinct-attackers]
 * `--lines N` writes exactly N lines of a 24 h day (the normal-traffic rate is chosen to fill it);
 * `--distinct-attackers` writes N failed logins, each from a new IP. Prints a JSON summary on stdout.
 */
import { open } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { distinctAttackerLines } from './distinct.js'
import { generateTraffic } from './index.js'

const DAY = 86_400_000
/** 2024-03-04T00:00:00Z: a Monday, fixed so that the same seed gives the same bytes. */
export const BENCH_START = Date.UTC(2024, 2, 4)

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      lines: { type: 'string', default: '1000000' },
      out: { type: 'string' },
      format: { type: 'string', default: 'combined' },
      sites: { type: 'string', default: '40' },
      campaigns: { type: 'string', default: 'all' },
      'distinct-attackers': { type: 'boolean', default: false },
    },
    strict: true,
  })
  const seed = Number(values.seed)
  const lines = Number(values.lines)
  const sites = Number(values.sites)
  if (!values.out) throw new Error('--out FILE is required')
  if (!Number.isInteger(seed) || !Number.isInteger(lines) || lines < 0 || !Number.isInteger(sites) || sites < 1) {
    throw new Error('--seed, --lines and --sites take whole numbers')
  }
  const format = values.format
  if (format !== 'combined' && format !== 'vhost_combined')
    throw new Error(`--format: combined or vhost_combined, got ${format}`)
  const campaigns = values.campaigns
  if (campaigns !== 'all' && campaigns !== 'none') throw new Error(`--campaigns: all or none, got ${campaigns}`)

  const source: Iterable<string> = values['distinct-attackers']
    ? distinctAttackerLines({ lines, start: BENCH_START })
    : (function* () {
        // the fixed actors and campaigns add a few % over the rate: cut at exactly `lines` (the tail of the day is dropped)
        const rate = (lines / (DAY / 1000)) * 1.0
        for (const l of generateTraffic({
          seed,
          start: BENCH_START,
          durationMs: DAY,
          sites,
          linesPerSecond: rate,
          campaigns,
          format,
        })) {
          yield l.line
        }
      })()

  const handle = await open(values.out, 'w')
  let written = 0
  let bytes = 0
  try {
    let chunk: string[] = []
    for (const line of source) {
      if (written === lines) break
      chunk.push(line)
      written++
      if (chunk.length === 4096) {
        const text = `${chunk.join('\n')}\n`
        bytes += Buffer.byteLength(text)
        await handle.write(text)
        chunk = []
      }
    }
    if (chunk.length) {
      const text = `${chunk.join('\n')}\n`
      bytes += Buffer.byteLength(text)
      await handle.write(text)
    }
  } finally {
    await handle.close()
  }
  process.stdout.write(`${JSON.stringify({ file: values.out, lines: written, bytes })}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`generator: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(2)
})
