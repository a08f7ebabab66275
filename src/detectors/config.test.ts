import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError } from '../core/errors.js'
import { compileRules, detectionConfig } from './config.js'
import { parseDuration } from './duration.js'

const names = (config: unknown): string[] => compileRules(detectionConfig.parse(config)).map((r) => r.name)
const problems = (config: unknown): string => {
  const r = detectionConfig.safeParse(config)
  if (r.success) throw new Error('expected the config to be refused')
  return z.prettifyError(r.error)
}

describe('detection config', () => {
  it('runs both packs by default', () => {
    const cfg = detectionConfig.parse({})
    expect(cfg.max_tracked_keys).toBe(1_000_000)
    expect(names({})).toEqual([
      'wp-login-bruteforce',
      'xmlrpc-abuse',
      'user-enumeration',
      'distributed-login-attack',
      '404-scan',
      'sensitive-file-probe',
      'http-auth-bruteforce',
    ])
    const [login] = compileRules(cfg)
    expect(login?.thresholds.map((t) => t.label)).toEqual(['5 in 1m', '20 in 1h', '40 in 24h'])
    expect(Object.isFrozen(login)).toBe(true)
  })

  it('switches packs and rules off, and overrides thresholds', () => {
    expect(names({ packs: { wordpress: false } })).toEqual(['404-scan', 'sensitive-file-probe', 'http-auth-bruteforce'])
    expect(names({ packs: { web: { enabled: false }, wordpress: { 'xmlrpc-abuse': false } } })).toEqual([
      'wp-login-bruteforce',
      'user-enumeration',
      'distributed-login-attack',
    ])
    const rules = compileRules(
      detectionConfig.parse({
        packs: {
          wordpress: { 'wp-login-bruteforce': { thresholds: [{ count: 3, within: '30s' }], severity: 'critical' } },
        },
      }),
    )
    const login = rules.find((r) => r.name === 'wp-login-bruteforce')
    expect(login?.thresholds.map((t) => [t.label, t.within])).toEqual([['3 in 30s', 30_000]])
    expect(login?.severity).toBe('critical')
  })

  it('allows Jetpack for xmlrpc by default, configurable', () => {
    const jetpack = '192.0.80.12'
    const xmlrpcRule = (config: unknown) =>
      compileRules(detectionConfig.parse(config)).find((r) => r.name === 'xmlrpc-abuse')
    expect(xmlrpcRule({})?.allow?.has(jetpack)).toBe(true)
    expect(xmlrpcRule({})?.allow?.has('122.248.245.244')).toBe(true)
    expect(xmlrpcRule({ packs: { wordpress: { jetpack_allow: false } } })?.allow).toBeNull()
    const custom = xmlrpcRule({ packs: { wordpress: { jetpack_ranges: ['198.51.100.0/24'] } } })
    expect(custom?.allow?.has('198.51.100.9')).toBe(true)
    expect(custom?.allow?.has(jetpack)).toBe(false)
  })

  it('compiles user rules in the same schema', () => {
    const cfg = detectionConfig.parse({
      rules: [
        {
          name: 'cart-abuse',
          filter: { method: 'POST', path: '/cart/*', status: ['4xx', '500-599'] },
          key: 'ip+site',
          thresholds: [
            { count: 50, within: '10m' },
            { distinct: 'query:sku', count: 20, within: '1h' },
          ],
        },
      ],
    })
    const rule = compileRules(cfg).at(-1)
    expect(rule?.name).toBe('cart-abuse')
    expect(rule?.key).toBe('ip+site')
    expect(rule?.thresholds.map((t) => t.label)).toEqual(['50 in 10m', '20 distinct query:sku in 1h'])
  })

  it('explains bad rules clearly, every problem at once', () => {
    const msg = problems({
      rules: [
        {
          name: 'Bad Name',
          filter: { path: 'wp-login.php', status: ['4yy'] },
          key: 'ipp',
          thresholds: [
            { count: 0, within: '5 minutes' },
            { distinct: 'referer', count: 3, within: '1m' },
          ],
        },
        { name: 'x', filter: { path: '/a/***' }, thresholds: [] },
      ],
    })
    expect(msg).toContain('rules[0].name')
    expect(msg).toMatch(
      /bad path pattern: "wp-login.php": a path pattern starts with "\/"[\s\S]*rules\[0\]\.filter\.path/,
    )
    expect(msg).toMatch(/not an HTTP status: "4yy"/)
    expect(msg).toMatch(/expected one of "ip"\|"ip\+site"\|"site"\|"subnet"[\s\S]*rules\[0\]\.key/)
    expect(msg).toMatch(/not a duration: "5 minutes"[\s\S]*rules\[0\]\.thresholds\[0\]\.within/)
    expect(msg).toMatch(/not a field to count distinct values of[\s\S]*rules\[0\]\.thresholds\[1\]\.distinct/)
    expect(msg).toMatch(/not \*\*\*[\s\S]*rules\[1\]\.filter\.path/)
    expect(msg).toMatch(/rules\[1\]\.thresholds/)
    expect(problems({ packs: { wordpress: { 'wp-login-bruteforc': false } } })).toMatch(/wp-login-bruteforc/)
    expect(problems({ rules: [rule('a'), rule('a')] })).toMatch(/duplicate rule name "a"[\s\S]*rules\[1\]\.name/)
  })

  it('refuses a user rule named like a built-in one, as a ConfigError', () => {
    const cfg = detectionConfig.parse({ rules: [rule('wp-login-bruteforce')] })
    let err: unknown
    try {
      compileRules({ ...cfg, configFile: 'lookout.yaml' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).issues[0]).toMatchObject({ file: 'lookout.yaml', path: 'rules[0].name' })
    expect((err as ConfigError).message).toMatch(/is a rule of the wordpress pack/)
    // allowed once the built-in is switched off
    expect(() =>
      compileRules(
        detectionConfig.parse({
          packs: { wordpress: { 'wp-login-bruteforce': false } },
          rules: [rule('wp-login-bruteforce')],
        }),
      ),
    ).not.toThrow()
  })

  it('exports a JSON Schema for editors', () => {
    const schema = z.toJSONSchema(detectionConfig, { io: 'input', unrepresentable: 'any' })
    expect(JSON.stringify(schema)).toContain('wp-login-bruteforce')
  })
})

describe('durations', () => {
  it('parses and refuses', () => {
    expect(parseDuration('1m')).toBe(60_000)
    expect(parseDuration('24h')).toBe(86_400_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('5')).toBeNull()
    expect(parseDuration('m5')).toBeNull()
  })
})

function rule(name: string) {
  return { name, filter: { path: '/x' }, thresholds: [{ count: 1, within: '1m' }] }
}
