import { UsageError } from '../../core/errors.js'
import { iso, openStoreFor, storeConfigFrom } from './shared.js'

export async function outboxCommand(o: { config?: string; json?: boolean }): Promise<void> {
  const cfg = await storeConfigFrom(o)
  const store = openStoreFor(cfg)
  try {
    const rows = store.outbox.list(['pending', 'failed', 'dead'])
    if (o.json) {
      const json = rows.map((r) => ({
        id: r.id,
        alertId: r.alertId,
        destination: r.destination,
        incidentId: r.incidentId,
        step: r.step,
        status: r.status,
        attempts: r.attempts,
        nextAttemptAt: iso(r.nextAttemptAt),
        lastError: r.lastError,
        createdAt: iso(r.createdAt),
      }))
      process.stdout.write(`${JSON.stringify({ alerts: json, counts: store.outbox.counts() })}\n`)
      return
    }
    if (!rows.length) {
      process.stdout.write('The outbox is empty: every alert has been delivered.\n')
      return
    }
    for (const r of rows) {
      const why = r.lastError ? ` — ${r.lastError}` : ''
      const next = r.status === 'dead' ? 'given up' : `next try ${iso(r.nextAttemptAt)}`
      process.stdout.write(`#${r.id} ${r.status} ${r.destination} ${r.alertId} (${r.attempts} tries, ${next})${why}\n`)
    }
    process.stdout.write('Requeue with `lookout outbox retry ID` or `lookout outbox retry --all`.\n')
  } finally {
    store.close()
  }
}

export async function outboxRetryCommand(id: string | undefined, o: { config?: string; all?: boolean }): Promise<void> {
  if (!o.all && id === undefined) throw new UsageError('say which alert to retry: `lookout outbox retry ID` or `--all`')
  if (o.all && id !== undefined) throw new UsageError('give either an ID or --all, not both')
  const n = id === undefined ? Number.NaN : Number(id)
  if (!o.all && !Number.isInteger(n))
    throw new UsageError(`"${id}" is not an outbox id (a number, see \`lookout outbox\`)`)
  const cfg = await storeConfigFrom(o)
  const store = openStoreFor(cfg)
  try {
    const count = store.outbox.retry(o.all ? 'all' : n, Date.now())
    process.stdout.write(
      count
        ? `Requeued ${count} alert${count === 1 ? '' : 's'}; a running lookout sends ${count === 1 ? 'it' : 'them'} within seconds.\n`
        : 'Nothing to requeue (only failed or given-up alerts can be).\n',
    )
  } finally {
    store.close()
  }
}
