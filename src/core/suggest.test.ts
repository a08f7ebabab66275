import { describe, expect, test } from 'vitest'
import { nearest } from './suggest.js'

describe('nearest: the name a slip of the keyboard meant', () => {
  const keys = ['sources', 'state_dir', 'packs', 'format', 'wordpress', 'wp-login-bruteforce', 'combined', 'common']

  test.each([
    ['formt', 'format'], // a letter missing
    ['sourcess', 'sources'], // one extra
    ['wordpres', 'wordpress'],
    ['wp-login-brutforce', 'wp-login-bruteforce'],
    ['combnied', 'combined'], // two swapped
    ['stat_dir', 'state_dir'],
    ['Packs', 'packs'], // keys are case sensitive
    ['PACKZ', 'packs'],
  ])('%s -> %s', (word, want) => {
    expect(nearest(word, keys)).toBe(want)
  })

  test('nothing when no name is near enough (one slip per four letters)', () => {
    expect(nearest('foo', keys)).toBeUndefined()
    expect(nearest('formatting', keys)).toBeUndefined()
    expect(nearest('wp-login-flood', keys)).toBeUndefined()
    expect(nearest('anything', [])).toBeUndefined()
  })

  test('the nearest wins, the first of equals', () => {
    expect(nearest('comon', ['common', 'combined'])).toBe('common')
    expect(nearest('ab', ['ac', 'ad'])).toBe('ac')
  })
})
