import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { checkSlackUrl, maskUrl, notifyConfig } from './config.js'

describe('notifyConfig', () => {
  it('has friendly defaults', () => {
    expect(notifyConfig.parse(undefined)).toEqual({ webhooks: [], min_interval: 1000, digest_after: 5 })
    const c = notifyConfig.parse({ slack: { webhook_url: 'https://hooks.slack.com/services/T1/B2/xyz' } })
    expect(c.slack?.block_commands).toEqual(['nftables', 'ufw'])
    expect(c.slack?.mention_on).toEqual(['medium', 'high', 'critical'])
  })

  it('refuses Workflow Builder URLs with a clear message', () => {
    for (const url of [
      'https://hooks.slack.com/triggers/T1/123/abc',
      'https://hooks.slack.com/workflows/T1/A1/123/abc',
    ]) {
      const r = notifyConfig.safeParse({ slack: { webhook_url: url } })
      expect(r.success).toBe(false)
      expect(z.prettifyError(r.error as z.ZodError)).toContain('Workflow Builder trigger URL, not an incoming webhook')
    }
  })

  it('accepts other hosts with a warning (Mattermost, test servers)', () => {
    const c = checkSlackUrl('http://127.0.0.1:8080/hooks/abc')
    expect(c).toEqual({ ok: true, warning: expect.stringContaining('127.0.0.1:8080 is not hooks.slack.com') })
    expect(checkSlackUrl('https://hooks.slack.com/services/T1/B2/x')).toEqual({ ok: true })
    expect(checkSlackUrl('ftp://x')).toMatchObject({ ok: false })
  })

  it('asks for exactly one of webhook_url and webhook_url_file, and knows unknown keys', () => {
    expect(notifyConfig.safeParse({ slack: {} }).success).toBe(false)
    expect(
      notifyConfig.safeParse({
        slack: { webhook_url: 'https://hooks.slack.com/services/a/b/c', webhook_url_file: '/x' },
      }).success,
    ).toBe(false)
    expect(notifyConfig.safeParse({ slack: { webhook_url_file: '/run/secrets/slack', channel: '#x' } }).success).toBe(
      false,
    )
    expect(notifyConfig.safeParse({ slack: { webhook_url_file: '/run/secrets/slack' } }).success).toBe(true)
  })

  it('reads durations and checks webhooks', () => {
    expect(notifyConfig.parse({ min_interval: '500ms' }).min_interval).toBe(500)
    expect(notifyConfig.safeParse({ min_interval: 'soon' }).success).toBe(false)
    expect(notifyConfig.safeParse({ webhooks: [{ url: 'not a url' }] }).success).toBe(false)
    expect(
      notifyConfig.safeParse({ webhooks: [{ url: 'https://a.example/x', secret: 's', secret_file: '/f' }] }).success,
    ).toBe(false)
    expect(
      notifyConfig.safeParse({ webhooks: [{ url: 'https://a.example/x' }, { url: 'https://b.example/x', name: '0' }] })
        .success,
    ).toBe(false)
  })

  it('describes every field for the JSON Schema', () => {
    const schema = JSON.stringify(z.toJSONSchema(notifyConfig, { io: 'input' }))
    expect(schema).toContain('Post alerts to a Slack channel')
    expect(schema).toContain('Severities at which the person who should act is @-mentioned')
  })
})

describe('maskUrl', () => {
  it('keeps the host and hides the secret part', () => {
    expect(maskUrl('https://hooks.slack.com/services/T0001/B0002/XXXXsecret')).toBe(
      'https://hooks.slack.com/services/…',
    )
    expect(maskUrl('https://user:pw@example.com/hook?token=abc')).toBe('https://example.com/hook/…')
    expect(maskUrl('https://example.com')).toBe('https://example.com')
    expect(maskUrl('nope')).toBe('(not a URL)')
  })
})
