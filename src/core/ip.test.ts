import { describe, expect, test } from 'vitest'
import { CLOUDFLARE_RANGES, createIpMatcher, isIpOrCidrOrPreset, isValidCidr, normalizeIp, subnetOf } from './ip.js'

describe('normalizeIp', () => {
  test.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:0102:0304', '1.2.3.4'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8:85a3::8a2e:370:7334'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // RFC 5952 4.2.3: the first longest run
    ['2001:db8::0:1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
    ['::', '::'],
  ])('%s → %s', (input, want) => {
    expect(normalizeIp(input)).toBe(want)
  })

  test.each([
    '',
    '-',
    'localhost',
    'example.com',
    '192.030.0.6', // leading zeros: rejected (octal for inet_aton, decimal for others)
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.4:80',
    '0x7f.0.0.1',
    '2001:db8::g',
    '1:2:3:4:5:6:7:8:9',
    '::ffff:010.1.1.1',
    '[2001:db8::1',
    '[2001:db8::1]x',
    ' 1.2.3.4',
    'x'.repeat(100),
  ])('%j is not an IP', (input) => {
    expect(normalizeIp(input)).toBeNull()
  })
})

describe('createIpMatcher', () => {
  test('IPs and CIDRs, v4 and v6', () => {
    const m = createIpMatcher(['10.0.0.0/8', '192.168.1.7', '2001:db8:ffff::/48', '::1', '0.0.0.0/32'])
    expect(m.size).toBe(5)
    expect(m.has('10.1.2.3')).toBe(true)
    expect(m.has('11.0.0.0')).toBe(false)
    expect(m.has('192.168.1.7')).toBe(true)
    expect(m.has('192.168.1.8')).toBe(false)
    expect(m.has('2001:db8:ffff:1::9')).toBe(true)
    expect(m.has('2001:db8:fffe::9')).toBe(false)
    expect(m.has('::1')).toBe(true)
    expect(m.has('[::1]:80')).toBe(true)
    expect(m.has('::ffff:10.9.9.9')).toBe(true) // mapped addresses are their IPv4
    expect(m.has('not an ip')).toBe(false)
    expect(m.has('0.0.0.0')).toBe(true)
  })

  test('single IPv6 addresses match in any spelling, beside ranges and without them', () => {
    for (const m of [
      createIpMatcher(['::1', '2001:DB8::5/128', 'fe80::7%eth0']),
      createIpMatcher(['::1', '2001:db8::5', 'fe80::7', '2001:db8:1::/48']),
    ]) {
      expect(m.has('0:0:0:0:0:0:0:1')).toBe(true)
      expect(m.has('2001:db8:0::5')).toBe(true)
      expect(m.has('[2001:db8::5]:443')).toBe(true)
      expect(m.has('fe80::7')).toBe(true)
    }
    const exact = createIpMatcher(['::1', '2001:db8::5/128'])
    expect(exact.has('2001:db8::6')).toBe(false)
    expect(exact.has('::2')).toBe(false)
    expect(createIpMatcher(['2001:db8:1::/48', '2001:db8::5']).has('2001:db8:1:ffff::1')).toBe(true)
  })

  test('host bits in a CIDR are ignored; /0 matches everything of its family', () => {
    const m = createIpMatcher(['10.1.2.3/8', '0.0.0.0/0'])
    expect(m.has('10.200.0.1')).toBe(true)
    expect(m.has('8.8.8.8')).toBe(true)
    expect(m.has('2001:db8::1')).toBe(false)
  })

  test('the cloudflare preset expands to the published ranges', () => {
    const m = createIpMatcher(['cloudflare'])
    expect(m.size).toBe(CLOUDFLARE_RANGES.length)
    expect(m.has('173.245.48.1')).toBe(true)
    expect(m.has('104.16.0.1')).toBe(true)
    expect(m.has('172.71.255.255')).toBe(true)
    expect(m.has('2606:4700::6810:85e5')).toBe(true)
    expect(m.has('2a06:98c7:ffff::1')).toBe(true)
    expect(m.has('1.1.1.1')).toBe(false)
    expect(m.has('2a06:98d0::1')).toBe(false)
  })

  test('many ranges: every one is found, neighbours are not', () => {
    const cidrs: string[] = []
    for (let i = 0; i < 5000; i++) cidrs.push(`${(i >> 8) + 20}.${i & 255}.${i % 7}.0/${24 + (i % 5)}`)
    const m = createIpMatcher(cidrs)
    for (let i = 0; i < 5000; i += 37) {
      expect(m.has(`${(i >> 8) + 20}.${i & 255}.${i % 7}.0`)).toBe(true)
      expect(m.has(`${(i >> 8) + 20}.${i & 255}.${(i % 7) + 8}.0`)).toBe(false)
    }
  })

  test('an invalid entry throws, naming it', () => {
    expect(() => createIpMatcher(['10.0.0.0/33'])).toThrow(/10\.0\.0\.0\/33/)
    expect(() => createIpMatcher(['cloudflair'])).toThrow(/cloudflair/)
  })
})

describe('subnetOf', () => {
  test.each([
    ['1.2.3.4', '1.2.3.0/24'],
    ['::ffff:1.2.3.4', '1.2.3.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['not-an-ip', 'not-an-ip'],
  ])('%s → %s', (ip, want) => {
    expect(subnetOf(ip)).toBe(want)
  })
})

test('isValidCidr / isIpOrCidrOrPreset', () => {
  for (const ok of ['1.2.3.4', '1.2.3.0/24', '0.0.0.0/0', '2001:db8::/32', '::1', '::/0'])
    expect(isValidCidr(ok)).toBe(true)
  for (const bad of ['1.2.3.4/33', '2001:db8::/129', '1.2.3.4/', '/24', 'cloudflare', '1.2.3.4/2x', 'a.b.c.d/8', '']) {
    expect(isValidCidr(bad), bad).toBe(false)
  }
  expect(isIpOrCidrOrPreset('cloudflare')).toBe(true)
  expect(isIpOrCidrOrPreset('toString')).toBe(false)
})
