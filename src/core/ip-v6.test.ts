import ipaddr from 'ipaddr.js'
import { describe, expect, test } from 'vitest'
import { canonicalV6, detachString, normalizeIp, sliceDetached, subnetOf } from './ip.js'
import { seededRandom as rng } from './prng.js'

/** What normalizeIp gave for a plain IPv6 address before the fast path: ipaddr.js. */
function reference(s: string): string | null {
  if (!ipaddr.IPv6.isValid(s) || !/^[0-9a-fA-F:]+$/.test(s)) return null
  const p = ipaddr.IPv6.parse(s).parts
  if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0xffff) {
    const hi = p[6] as number
    const lo = p[7] as number
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  }
  return ipaddr.IPv6.parse(s).toRFC5952String()
}

describe('canonicalV6 (the fast path of normalizeIp)', () => {
  test.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['0:0:1:0:0:1:1:1', '::1:0:0:1:1:1'], // a tie: the leftmost run
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // the longest run
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['0000:0000::0001', '::1'],
    ['0:0:0:0:0:ffff:102:304', '1.2.3.4'],
    ['2001:db8::', '2001:db8::'],
  ])('%s → %s', (input, want) => {
    expect(canonicalV6(input)).toBe(want)
    expect(normalizeIp(input)).toBe(want)
  })

  test.each(['1:2:3', '1::2::3', ':1::', '1:', '12345::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8', 'fe80::1%eth0'])(
    '%s is left to the slow path',
    (input) => {
      expect(canonicalV6(input)).toBeUndefined()
    },
  )

  test('agrees with ipaddr.js on 20,000 seeded addresses in many spellings', () => {
    const next = rng(7)
    let handled = 0
    for (let i = 0; i < 20_000; i++) {
      const parts: string[] = []
      const k = 1 + Math.floor(next() * 9)
      for (let j = 0; j < k; j++) {
        const r = next()
        parts.push(
          r < 0.35
            ? '0'
            : r < 0.45
              ? ''
              : r < 0.5
                ? 'ffff'
                : Math.floor(next() * 65536)
                    .toString(16)
                    .padStart(4, '0')
                    .slice(0, 1 + Math.floor(next() * 4)),
        )
      }
      let s = parts.join(':')
      if (next() < 0.2) s = s.toUpperCase()
      const fast = canonicalV6(s)
      if (fast !== undefined) {
        handled++
        expect([s, fast]).toEqual([s, reference(s)])
      }
      expect([s, normalizeIp(s)]).toEqual([s, reference(s)])
      const norm = reference(s)
      if (norm?.includes(':')) {
        const head = ipaddr.IPv6.parse(norm).parts.slice(0, 4)
        expect([s, subnetOf(s)]).toEqual([s, `${new ipaddr.IPv6([...head, 0, 0, 0, 0]).toRFC5952String()}/64`])
      }
    }
    expect(handled).toBeGreaterThan(2_000)
  })
})

describe('detached strings', () => {
  test('equal the slice they copy, at every length', () => {
    const line = 'shop.example:443 2001:db8:85a3::8a2e:370:7334 - - [05/Mar/2024:10:01:38 +0100] "GET / HTTP/1.1"'
    for (let from = 0; from < 20; from++) {
      for (let to = from; to <= line.length; to++) {
        expect(sliceDetached(line, from, to)).toBe(line.slice(from, to))
      }
    }
    expect(detachString(line)).toBe(line)
    expect(detachString('')).toBe('')
  })
})
