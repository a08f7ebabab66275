import { existsSync } from 'node:fs'
import { iso, openStoreFor, paint, storeConfigFrom, storePath, useColor } from './shared.js'

export interface StatusJson {
  stateDir: string
  sources: Array<{
    path: string
    lines: number
    bytes: number
    unparsed: number
    truncated: number
    offset: number
    lastLineAt: string | null
  }>
  incidents: { open: number; total: number }
  outbox: { pending: number; delivered: number; failed: number; dead: number }
  notifyErrors: Array<{ destination: string; error: string }>
}

export async function statusCommand(o: { config?: string; json?: boolean }): Promise<void> {
  const cfg = await storeConfigFrom(o)
  const file = storePath(cfg)
  if (!existsSync(file)) {
    if (o.json) {
      const empty: StatusJson = {
        stateDir: cfg.state_dir,
        sources: [],
        incidents: { open: 0, total: 0 },
        outbox: { pending: 0, delivered: 0, failed: 0, dead: 0 },
        notifyErrors: [],
      }
      process.stdout.write(`${JSON.stringify(empty)}\n`)
    } else process.stdout.write(`Nothing yet: lookout has not run with state_dir ${cfg.state_dir}.\n`)
    return
  }
  const store = openStoreFor(cfg)
  try {
    const outbox = store.outbox.counts()
    const status: StatusJson = {
      stateDir: cfg.state_dir,
      sources: store.cursors.all().map((c) => ({
        path: c.path,
        lines: c.lines,
        bytes: c.bytes,
        unparsed: c.unparsed,
        truncated: c.truncated,
        offset: c.offset,
        lastLineAt: iso(c.lastLineAt),
      })),
      incidents: store.incidents.counts(),
      outbox,
      notifyErrors: store.getMeta('notify.errors')
        ? (JSON.parse(store.getMeta('notify.errors') as string) as StatusJson['notifyErrors'])
        : [],
    }
    if (o.json) {
      process.stdout.write(`${JSON.stringify(status)}\n`)
      return
    }
    const c = paint(useColor())
    const lines: string[] = [c.bold(`lookout status`) + c.dim(`  (${cfg.state_dir})`), '']
    lines.push(c.bold('Sources'))
    if (!status.sources.length) lines.push('  none read yet')
    for (const s of status.sources) {
      const bad = s.unparsed ? c.yellow(`, ${s.unparsed} unparsed`) : ''
      lines.push(`  ${s.path}: ${s.lines} lines, ${s.bytes} bytes${bad}; last line ${s.lastLineAt ?? 'never'}`)
    }
    lines.push('', c.bold('Incidents'), `  ${status.incidents.open} open, ${status.incidents.total} in all`)
    lines.push(
      '',
      c.bold('Outbox'),
      `  ${outbox.pending} pending, ${outbox.delivered} delivered, ${outbox.failed} failing, ${outbox.dead} given up`,
    )
    for (const e of status.notifyErrors) lines.push(c.red(`  ${e.destination}: ${e.error}`))
    process.stdout.write(`${lines.join('\n')}\n`)
  } finally {
    store.close()
  }
}
