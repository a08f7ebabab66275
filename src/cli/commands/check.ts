import { compileRules } from '../../detectors/config.js'
import { maskUrl } from '../../notifiers/config.js'
import { discoverSources } from '../../sources/discover.js'
import { expandSourcePath } from '../../sources/file/glob.js'
import { configFrom, paint, useColor } from './shared.js'

/** Validates the config (phase 1 only: nothing is opened) and says what would be watched. */
export async function checkCommand(o: { config?: string }): Promise<void> {
  const cfg = await configFrom(o)
  const rules = compileRules(cfg)
  const c = paint(useColor())
  const out: string[] = [c.green(`✓ ${cfg.configFile ?? 'built-in defaults (no config file)'} is valid.`), '']
  const sources = cfg.sources.length ? cfg.sources : discoverSources()
  out.push(c.bold(cfg.sources.length ? 'Sources' : 'Sources (none configured; found on this machine)'))
  if (!sources.length) out.push(c.yellow('  none: add `sources:` to the config'))
  for (const s of sources) {
    if (s.type === 'stdin') {
      out.push(`  stdin (${formatName(s.format)})`)
      continue
    }
    const files = expandSourcePath(s.path)
    out.push(`  ${s.path}  ${c.dim(`format ${formatName(s.format)}, start at ${s.start_at}`)}`)
    if (!files.length) out.push(c.yellow('    no file matches yet (lookout picks files up when they appear)'))
    for (const f of files.slice(0, 20)) out.push(`    ${f.path}${f.site ? c.dim(`  site ${s.site ?? f.site}`) : ''}`)
    if (files.length > 20) out.push(c.dim(`    … and ${files.length - 20} more`))
  }
  out.push('', c.bold('Rules'), `  ${rules.map((r) => r.name).join(', ')}`)
  out.push('', c.bold('Notifications'))
  const slack = cfg.notify.slack
  if (slack?.webhook_url) out.push(`  Slack webhook ${maskUrl(slack.webhook_url)}`)
  else if (slack?.webhook_url_file) out.push(`  Slack webhook from ${slack.webhook_url_file}`)
  for (const w of cfg.notify.webhooks ?? []) out.push(`  webhook ${maskUrl(w.url)}`)
  if (!slack?.webhook_url && !slack?.webhook_url_file && !(cfg.notify.webhooks ?? []).length) out.push('  console only')
  out.push('', `State: ${cfg.state_dir}`)
  process.stdout.write(`${out.join('\n')}\n`)
}

const formatName = (f: unknown): string => (typeof f === 'string' ? f : JSON.stringify(f))
