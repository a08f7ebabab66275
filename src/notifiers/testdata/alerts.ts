/** Alerts for notifier tests: ordinary ones and hostile ones (what a log line could smuggle in). */
import type { Alert, Incident, IncidentStep } from '../../core/types.js'
import { sampleAlert } from '../index.js'

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)

/** `lookout test-alert`'s incident (sampleAlert), opened at T0, as the notifier tests expect it, with `over`. */
export function makeIncident(over: Partial<Incident> = {}): Incident {
  return {
    ...sampleAlert(T0 + 4 * 60_000).incident,
    id: '12',
    samples: ['203.0.113.7 - - [01/Jan/2026:12:00:00 +0000] "POST /wp-login.php HTTP/1.1" 200 4120 "-" "curl/8.5"'],
    userAgents: { 'curl/8.5': 57 },
    duty: { name: 'Alice', slack: 'U0123ABCD', email: null, reason: 'owner of shop.example.com' },
    ...over,
  }
}

export function makeAlert(step: IncidentStep = 'opened', over: Partial<Incident> = {}, n = 1): Alert {
  const incident = makeIncident({ step, ...over })
  return { id: `${incident.id}:${step}:${n}`, incidentId: incident.id, step, createdAt: incident.lastSeen, incident }
}

/** Everything a hostile log line could try: mentions, links, formatting, bidi and zero-width tricks, control chars. */
export const HOSTILE = [
  '<!channel> <!here> <!everyone> @here @channel <@U123> <@W999|boss> <!subteam^S123>',
  '<https://evil.example|click here> https://evil.example/login <mailto:x@evil.example|mail>',
  '```code``` `tick` *bold* _it_ ~strike~ > quote',
  'a\u202Egnp.exe\u202C b\u200B\u200Dc\uFEFFd\u2066e\u2069',
  'line1\nline2\r\nline3\u2028line4\u0000\u001b[31mred\u001b[0m\u007f',
  '&lt; already escaped &amp; <script>alert(1)</script>',
  '#general <#C0123|general> :skull:',
  '\uD800 lone surrogate',
]

const MEGA = 'A'.repeat(1_100_000)

export function hostileIncident(over: Partial<Incident> = {}): Incident {
  const h = HOSTILE.join(' ')
  const sites: Record<string, number> = { [h]: 3, [MEGA]: 2 }
  for (let i = 0; i < 400; i++) sites[`site${i}.${h.slice(0, 40)}`] = i
  return makeIncident({
    id: '99',
    sites,
    rules: [h, MEGA, ...HOSTILE],
    samples: [...HOSTILE, MEGA, `${MEGA}\n${h}`],
    userAgents: Object.fromEntries([...HOSTILE, MEGA].map((u, i) => [u, i + 1])),
    users: [...HOSTILE, MEGA, ...Array.from({ length: 500 }, (_, i) => `user${i}<!here>`)],
    duty: { name: `Bob ${h}`, slack: '<!channel>', email: null, reason: h },
    attempts: 1e12,
    ...over,
  })
}
