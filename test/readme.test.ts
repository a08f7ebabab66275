import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfigText } from '../src/config/load.js'
import { VERBS } from './helpers/cli.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('has a configuration example that lookout accepts', () => {
    const yaml = /```yaml\n(state_dir[\s\S]*?)```/.exec(readme)?.[1]
    expect(yaml).toBeDefined()
    const cfg = parseConfigText(yaml ?? '', 'README.md', {
      env: { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/x', HOOK_SECRET: 's' },
    })
    expect(cfg.sources).toHaveLength(3)
    expect(cfg.team.members.map((m) => m.name)).toEqual(['Ada', 'Linus'])
  })

  it('documents every CLI verb', () => {
    for (const verb of [...VERBS, 'outbox retry']) {
      expect(readme).toContain(`\`lookout ${verb}`)
    }
  })
})
