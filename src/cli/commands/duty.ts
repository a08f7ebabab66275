import { UsageError } from '../../core/errors.js'
import { whoIsOnDuty } from '../../incidents/duty.js'
import { configFrom } from './shared.js'

export async function dutyCommand(o: { config?: string; at?: string }): Promise<void> {
  const cfg = await configFrom(o)
  const at = o.at === undefined ? Date.now() : Date.parse(o.at)
  if (Number.isNaN(at)) throw new UsageError(`--at ${o.at}: not a date (try 2026-12-24 or 2026-12-24T09:00:00+01:00)`)
  const person = whoIsOnDuty(cfg.team, at)
  const when = o.at === undefined ? 'now' : `at ${new Date(at).toISOString()}`
  if (!person) {
    process.stdout.write(`Nobody is on duty ${when}: add team.members (and a team.rota) to the config.\n`)
    return
  }
  const slack = person.slack ? ` (Slack ${person.slack})` : ''
  process.stdout.write(`${person.name}${slack} is on duty ${when} (${person.reason}).\n`)
}
