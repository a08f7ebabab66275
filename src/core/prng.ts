/**
 * A small seeded PRNG (mulberry32) with the helpers the generator needs. No dependency, fast, and good enough for
 * traffic shapes; never use it for anything secret.
 */

/** murmur3's finaliser: spreads the bits of a 32-bit value, so that seeds 1, 2, 3 give unrelated streams. */
export function mix32(x: number): number {
  let h = x >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** A seed for a sub-stream: one per actor, so that adding an actor does not change what the others do. */
export function deriveSeed(seed: number, ...salts: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9)
  for (const s of salts) h = mix32(h ^ Math.imul(s + 1, 0x27d4eb2f))
  return h
}

/** A 32-bit hash of a string (FNV-1a), for salts named by text. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** integer in [min, max], both included */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** real in [min, max) */
  between(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  /** exponential with the given mean (Poisson inter-arrival times) */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error('Rng.pick: empty list')
    return item
  }

  /** pick by weight: items are [value, weight] pairs */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0
    for (const [, w] of items) total += w
    let r = this.next() * total
    for (const [v, w] of items) {
      r -= w
      if (r < 0) return v
    }
    const last = items[items.length - 1]
    if (last === undefined) throw new Error('Rng.weighted: empty list')
    return last[0]
  }

  /** hex string of `len` digits */
  hex(len: number): string {
    let s = ''
    while (s.length < len)
      s += Math.floor(this.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0')
    return s.slice(0, len)
  }

  /** a new independent stream derived from this one */
  fork(salt: number): Rng {
    return new Rng(deriveSeed(Math.floor(this.next() * 0x100000000), salt))
  }
}

/** A seeded uniform [0, 1) source as a plain function, for fuzz tests and benchmarks that must be reproducible. */
export function seededRandom(seed: number): () => number {
  const rng = new Rng(seed)
  return () => rng.next()
}
