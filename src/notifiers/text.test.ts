import { describe, expect, it } from 'vitest'
import { code, codeBlock, cut, normalise, span, validAddress } from './text.js'

describe('text helpers', () => {
  it('normalises controls, bidi and zero-width characters', () => {
    expect(normalise('a\u202Eb\u200Bc\u0000d\u001be\u0085f\nline\r\n')).toBe(
      'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf line ',
    )
    expect(normalise('a\r\nb\rc', true)).toBe('a\nb\nc')
  })

  it('cuts by code points, never inside an entity or a surrogate pair', () => {
    expect(cut('😀😀😀', 5)).toBe('😀😀…')
    expect(cut('ab&amp;cd', 5)).toBe('ab…')
    expect(cut('short', 10)).toBe('short')
  })

  it('wraps log text in safe inline code', () => {
    expect(code('<!here> `x` & y')).toBe("`&lt;!here&gt; 'x' &amp; y`")
    expect(code('x'.repeat(500), 50)).toHaveLength(50)
    expect(codeBlock(['a```b', 'c'])).toBe("```a'''b\nc```")
  })

  it('validates addresses', () => {
    expect(validAddress('::ffff:1.2.3.4')?.family).toBe(6)
    expect(validAddress('10.0.0.0/8')).toEqual({ addr: '10.0.0.0/8', family: 4, cidr: true })
    expect(validAddress('10.0.0.0/08')).toEqual({ addr: '10.0.0.0/8', family: 4, cidr: true })
    expect(validAddress('1.2.3.4 ')).toBeNull()
  })

  it('says spans in words', () => {
    expect([span(30_000), span(4 * 60_000), span(3 * 3_600_000), span(3 * 86_400_000)]).toEqual([
      '30 seconds',
      '4 minutes',
      '3 hours',
      '3 days',
    ])
  })
})
