import { createIpMatcher } from '../../core/ip.js'
import { isParseFailure, type ParseResult } from '../../core/types.js'
import { createParser, parseLines } from '../../parsers/index.js'
import { readLines } from '../../sources/file/read-lines.js'
import { configFrom, formatFrom } from './shared.js'

/** One JSON object per input line: the event, or {"error","line"}. A format tester. */
export async function parseCommand(files: string[], o: { format: string; config?: string }): Promise<void> {
  const format = await formatFrom(o.format)
  const cfg = await configFrom(o)
  const trustedProxies = createIpMatcher(cfg.trusted_proxies)
  const out = process.stdout
  for (const file of files.length ? files : ['-']) {
    const parser = createParser(format, { trustedProxies })
    for await (const batch of readLines(file, { maxLineBytes: cfg.max_line_bytes })) {
      let chunk = ''
      const results = parseLines(parser, batch, batch.site)
      for (let i = 0; i < results.length; i++) {
        const r = results[i] as ParseResult
        const line = batch.lines[i] as string
        chunk += isParseFailure(r)
          ? `${JSON.stringify({ error: r.error, line })}\n`
          : `${JSON.stringify({ ...r, time: new Date(r.time).toISOString() })}\n`
      }
      if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve))
    }
  }
}
