import { createLogger } from '../../core/log.js'
import { sendTestAlert } from '../../notifiers/index.js'
import { configFrom, paint, useColor } from './shared.js'

export async function testAlertCommand(o: { config?: string }): Promise<void> {
  const cfg = await configFrom(o)
  const results = await sendTestAlert(cfg, createLogger({ level: 'warn' }))
  const c = paint(useColor())
  for (const r of results) process.stdout.write(`${r.ok ? c.green('✓') : c.red('✗')} ${r.destination}: ${r.message}\n`)
  if (results.some((r) => !r.ok)) process.exitCode = 1
}
