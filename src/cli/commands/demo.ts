import { UsageError } from '../../core/errors.js'
import { createLogger } from '../../core/log.js'
import { runDemo } from '../../demo/demo.js'

export async function demoCommand(o: { speed: string; seed: string; keep?: boolean }): Promise<void> {
  const speed = Number(o.speed)
  const seed = Number(o.seed)
  if (!(speed >= 1 && speed <= 3600)) throw new UsageError(`--speed ${o.speed}: give a factor between 1 and 3600`)
  if (!Number.isInteger(seed)) throw new UsageError(`--seed ${o.seed}: give a whole number`)
  await runDemo({
    seed,
    speed,
    log: createLogger({ level: 'warn' }),
    out: process.stdout,
    slackWebhookUrl: process.env.SLACK_WEBHOOK_URL || undefined,
    keep: o.keep === true,
  })
}
