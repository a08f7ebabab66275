import { describe, expect, it } from 'vitest'
import type { Alert, IncidentKind, IncidentStep, Severity } from '../../core/types.js'
import { HOSTILE, hostileIncident, makeAlert, makeIncident } from '../testdata/alerts.js'
import { blockCommand } from './block-commands.js'
import type { SlackPayload } from './blocks.js'
import {
  type RenderOptions,
  renderPlainDigest,
  renderPlainMessage,
  renderSlackDigest,
  renderSlackMessage,
} from './render.js'
import { validateSlackPayload } from './validate.js'

const opts: RenderOptions = { hostname: 'web-01', blockCommands: ['nftables', 'iptables', 'ufw', 'csf', 'nginx'] }
const STEPS: IncidentStep[] = ['opened', 'escalated', 'resolved']
const KINDS: IncidentKind[] = ['ip', 'subnet', 'site']
const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical']

const kindOver = (kind: IncidentKind) =>
  kind === 'ip'
    ? {}
    : kind === 'subnet'
      ? { kind, ip: null, subnet: '203.0.113.0/24', ips: ['203.0.113.7', '203.0.113.9'] }
      : {
          kind,
          ip: null,
          ips: Array.from({ length: 40 }, (_, i) => `198.51.100.${i}`),
          sites: { 'shop.example.com': 900 },
        }

/** Every string a human or Slack's parser would see, joined. */
const allText = (p: SlackPayload): string => JSON.stringify(p)

/** What must never appear in anything lookout sends, whatever the logs said. */
function expectNoInjection(p: SlackPayload): void {
  const json = allText(p)
  const decoded = JSON.parse(json) as SlackPayload
  const flat = [decoded.text, ...(decoded.blocks ?? []).map((b) => JSON.stringify(b))].join('\n')
  for (const bad of [
    '<!channel>',
    '<!here>',
    '<!everyone>',
    '<@U123>',
    '<@W999',
    '<https://evil',
    '<mailto:',
    '<#C0123',
    '<script>',
    '<!subteam^S123>',
  ]) {
    expect(flat).not.toContain(bad)
  }
  for (const ch of [
    '\u202E',
    '\u202C',
    '\u200B',
    '\u200D',
    '\uFEFF',
    '\u2066',
    '\u2028',
    '\u0000',
    '\u001b',
    '\u007f',
  ]) {
    expect(flat).not.toContain(ch)
  }
  expect(json).not.toMatch(/\\ud800(?!\\udc)/i)
}

describe('renderSlackMessage', () => {
  it('reads like the reference layout for a new incident', () => {
    const p = renderSlackMessage(makeAlert('opened'), opts)
    expect(validateSlackPayload(p)).toEqual([])
    const blocks = p.blocks ?? []
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':large_yellow_circle: 203.0.113.7 is trying passwords', emoji: true },
    })
    expect(JSON.stringify(blocks[1])).toContain(
      'Someone at `203.0.113.7` is trying passwords on 3 of our sites: 57 tries in 4 minutes.',
    )
    const json = JSON.stringify(p)
    expect(json).toContain('<!date^1767268800^{date_short_pretty} at {time}|2026-01-01 12:00 UTC>')
    expect(json).toContain('*Who should act:* <@U0123ABCD> (owner of shop.example.com)')
    expect(json).toContain('nft add rule inet filter input ip saddr 203.0.113.7 drop')
    expect(json).toContain('`shop.example.com` (31)')
    expect(json).toContain('lookout on `web-01` · incident `12` · opened · alert `12:opened:1`')
    expect(p.text).toBe(
      ':large_yellow_circle: MEDIUM: 203.0.113.7 is trying passwords on 3 sites: 57 tries in 4 minutes. <@U0123ABCD> please have a look. (incident 12)',
    )
  })

  it('does not ping anybody about small things (below mention_on)', () => {
    const p = renderSlackMessage(makeAlert('opened', { severity: 'low' }), opts)
    expect(JSON.stringify(p)).not.toContain('<@')
    expect(JSON.stringify(p)).toContain('*Who should act:* *Alice*')
    expect(JSON.stringify(p)).toContain('Nothing to worry about yet')
  })

  it('names the person when they have no Slack ID, and says so when nobody is on duty', () => {
    const named = renderSlackMessage(
      makeAlert('opened', { duty: { name: 'Carol', slack: null, email: null, reason: 'rota' } }),
      opts,
    )
    expect(JSON.stringify(named)).toContain('*Who should act:* *Carol* (rota)')
    const nobody = renderSlackMessage(makeAlert('opened', { duty: null }), opts)
    expect(JSON.stringify(nobody)).toContain('whoever sees this first')
  })

  it('keeps escalated and resolved messages short and about the incident id', () => {
    const e = renderSlackMessage(makeAlert('escalated', { severity: 'high', attempts: 570 }), opts)
    const r = renderSlackMessage(makeAlert('resolved'), opts)
    expect(e.blocks?.length).toBeLessThanOrEqual(5)
    expect(r.blocks?.length).toBe(3)
    expect(JSON.stringify(e)).toContain('Incident #12 grew')
    expect(JSON.stringify(r)).toContain('Incident #12 is over')
    expect(r.text).toContain('incident 12 resolved')
  })

  it('uses the configured templates', () => {
    const p = renderSlackMessage(makeAlert('opened'), {
      ...opts,
      templates: { opened: 'Heads up: {attacker} on {site_count} sites ({attempts} tries, {severity}) {incident}' },
    })
    expect(JSON.stringify(p.blocks?.[1])).toContain('Heads up: `203.0.113.7` on 3 sites (57 tries, MEDIUM) #12')
  })

  it.each(STEPS.flatMap((s) => KINDS.flatMap((k) => SEVERITIES.map((v) => [s, k, v] as const))))(
    'is valid Block Kit: %s %s %s',
    (step, kind, severity) => {
      const p = renderSlackMessage(makeAlert(step, { severity, ...kindOver(kind) }), opts)
      expect(validateSlackPayload(p)).toEqual([])
    },
  )

  it.each(STEPS.flatMap((s) => KINDS.map((k) => [s, k] as const)))(
    'stays valid and harmless with megabyte-long hostile fields: %s %s',
    (step, kind) => {
      const alert: Alert = {
        ...makeAlert(step),
        incident: hostileIncident({ step, ...kindOver(kind), sites: hostileIncident().sites }),
      }
      const p = renderSlackMessage(alert, opts)
      expect(validateSlackPayload(p)).toEqual([])
      expectNoInjection(p)
      expect(JSON.stringify(p).length).toBeLessThan(40_000)
      // the header and the notification line carry no log text at all
      const header = p.blocks?.[0]
      expect(header?.type === 'header' && /^[\w:. /#-]+$/.test(header.text.text)).toBe(true)
      expect(p.text).not.toMatch(/evil|script|line1|AAAA/)
    },
  )

  it('escapes log text inside code and marks every mrkdwn verbatim', () => {
    const p = renderSlackMessage({ ...makeAlert(), incident: hostileIncident({ sites: { x: 1 } }) }, opts)
    const json = JSON.stringify(p)
    expect(json).toContain('&lt;!channel&gt;')
    expect(json).toContain('&lt;https://evil.example|click here&gt;')
    expect(json).toContain('&amp;lt; already escaped')
    expect(json).not.toMatch(/"verbatim":false/)
  })

  it('never turns a hostile IP or Slack ID into a command or a mention', () => {
    const evil = makeAlert('opened', {
      ip: '1.2.3.4; rm -rf /',
      ips: ['1.2.3.4; rm -rf /'],
      duty: { name: 'x', slack: '<!channel>', email: null, reason: '' },
    })
    const p = renderSlackMessage(evil, opts)
    expect(validateSlackPayload(p)).toEqual([])
    const json = JSON.stringify(p)
    expect(json).not.toContain('To block it')
    expect(json).not.toContain('rm -rf /"')
    expect(p.text).not.toContain('rm -rf')
  })
})

describe('blockCommand', () => {
  it('knows v4, v6 and subnets', () => {
    expect(blockCommand('nftables', '2001:db8::1', 'n')).toBe(
      'nft add rule inet filter input ip6 saddr 2001:db8::1 drop',
    )
    expect(blockCommand('iptables', '2001:db8::/64', 'n')).toBe('ip6tables -I INPUT -s 2001:db8::/64 -j DROP')
    expect(blockCommand('iptables', '203.0.113.0/24', 'n')).toBe('iptables -I INPUT -s 203.0.113.0/24 -j DROP')
    expect(blockCommand('ufw', '203.0.113.7', 'n')).toBe('ufw insert 1 deny from 203.0.113.7')
    expect(blockCommand('csf', '203.0.113.7', 'lookout incident 12"; reboot')).toBe(
      'csf -d 203.0.113.7 "lookout incident 12 reboot"',
    )
    expect(blockCommand('nginx', '203.0.113.7', 'n')).toBe('deny 203.0.113.7;')
  })

  it('refuses anything that is not an address', () => {
    for (const bad of ['1.2.3.4; reboot', '1.2.3.4/33', '2001:db8::/129', '$(id)', '', '1.2.3.4/ 8']) {
      expect(blockCommand('nftables', bad, 'n')).toBeNull()
    }
  })
})

describe('digests', () => {
  const burst = (n: number, hostile = false): Alert[] =>
    Array.from({ length: n }, (_, i) =>
      hostile
        ? {
            ...makeAlert('opened', {}, i),
            incident: hostileIncident({ id: String(100 + i), ip: `198.51.100.${i % 250}` }),
          }
        : makeAlert('opened', { id: String(100 + i), ip: `198.51.100.${i % 250}`, ips: [`198.51.100.${i % 250}`] }),
    )

  it('covers a burst of 40 incidents in one valid message', () => {
    const p = renderSlackDigest(burst(40), opts)
    expect(validateSlackPayload(p)).toEqual([])
    expect(p.text).toContain(
      '40 alerts at once: 198.51.100.0, 198.51.100.1, 198.51.100.2 and 37 more (incidents 100…139)',
    )
    const json = JSON.stringify(p)
    expect(json).toContain('`198.51.100.39`')
    expect(json).toContain('<@U0123ABCD>')
  })

  it('stays within budget for hundreds of hostile alerts', () => {
    const p = renderSlackDigest(burst(300, true), opts)
    expect(validateSlackPayload(p)).toEqual([])
    expectNoInjection(p)
    expect(JSON.stringify(p)).toContain('more: `lookout status` has them all')
  })

  it('has plain-text fallbacks that are valid too', () => {
    expect(validateSlackPayload(renderPlainDigest(burst(40, true)))).toEqual([])
    const plain = renderPlainMessage({ ...makeAlert(), incident: hostileIncident() }, opts)
    expect(plain.blocks).toBeUndefined()
    expect(validateSlackPayload(plain)).toEqual([])
    expectNoInjection(plain)
  })
})

describe('validateSlackPayload', () => {
  it('catches what Slack would refuse or what would be unsafe', () => {
    const long = 'x'.repeat(3001)
    const p = {
      text: '<!channel> hi',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: long, verbatim: true } },
        { type: 'section', text: { type: 'mrkdwn', text: 'no verbatim' } },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f', verbatim: true })) },
        { type: 'actions', elements: [] },
        ...Array.from({ length: 50 }, () => ({ type: 'divider' })),
      ],
    }
    const problems = validateSlackPayload(p).join('\n')
    for (const want of [
      'text: unexpected',
      'blocks: 55 > 50',
      'blocks[0].text: 151 > 150',
      'blocks[1].text: 3001 > 3000',
      'mrkdwn without verbatim',
      'fields: 11 > 10',
      'actions is not a block',
    ]) {
      expect(problems).toContain(want)
    }
    expect(validateSlackPayload({ text: HOSTILE[0] })).not.toEqual([])
    expect(validateSlackPayload({ text: 'fine <@U0123ABCD>' })).toEqual([])
  })

  it('enforces the whole-message budget', () => {
    const big = Array.from({ length: 4 }, () => ({
      type: 'section',
      text: { type: 'mrkdwn', text: 'y'.repeat(2500), verbatim: true },
    }))
    expect(validateSlackPayload({ text: 't', blocks: big }).join()).toContain('all block text: 10000 > 8000')
  })
})

it('makeIncident is a valid base for every test', () => {
  expect(makeIncident().ips).toEqual(['203.0.113.7'])
})
