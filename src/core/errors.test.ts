import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as errors from './errors.js'

describe('error codes', () => {
  it('are each listed in docs/errors.md, and the doc lists no others', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    const documented = [...doc.matchAll(/`(LOOKOUT_[A-Z_]+)`/g)].map((m) => m[1]).sort()
    const exported = Object.values(errors)
      .filter((v) => typeof v === 'function' && v.prototype instanceof errors.LookoutError)
      .map(
        (cls) =>
          (
            Reflect.construct(cls as unknown as new (...a: unknown[]) => object, [
              [],
              'x',
              'retry',
            ]) as errors.LookoutError
          ).code,
      )
      .sort()
    expect(exported.length).toBeGreaterThan(3)
    expect(documented).toEqual(exported)
  })
})
