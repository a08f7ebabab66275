/**
 * Merges many actors into one time-ordered stream. An actor is an iterator of steps in non-decreasing time: a request
 * (`Hit`), or a `Spawn` that starts another actor (a visitor arriving). A binary heap keyed on (time, sequence) keeps
 * the merge deterministic and lazy: only the actors alive right now are held.
 */
import type { Hit } from './format.js'

export interface Spawn {
  time: number
  spawn: Actor
}
export type Step = Hit | Spawn
export type Actor = Generator<Step, void, undefined>

interface Entry {
  time: number
  seq: number
  step: Step
  actor: Actor
}

const before = (a: Entry, b: Entry): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq)

class Heap {
  private readonly items: Entry[] = []
  get size(): number {
    return this.items.length
  }
  push(e: Entry): void {
    const a = this.items
    a.push(e)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = a[p] as Entry
      if (!before(e, parent)) break
      a[i] = parent
      i = p
    }
    a[i] = e
  }
  pop(): Entry | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (top === undefined || last === undefined || a.length === 0) return top
    let i = 0
    const n = a.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      if (r < n && before(a[r] as Entry, a[l] as Entry)) c = r
      if (!before(a[c] as Entry, last)) break
      a[i] = a[c] as Entry
      i = c
    }
    a[i] = last
    return top
  }
}

const isSpawn = (s: Step): s is Spawn => 'spawn' in s

/** Yields every Hit of every actor (and of the actors they spawn) with time < `end`, in time order. */
export function* merge(actors: Iterable<Actor>, end: number): Generator<Hit, void, undefined> {
  const heap = new Heap()
  let seq = 0
  const advance = (actor: Actor, notBefore: number): void => {
    const r = actor.next()
    if (r.done) return
    const time = r.value.time
    if (time < notBefore) throw new Error(`generator actor went back in time: ${time} < ${notBefore}`)
    if (time < end) heap.push({ time, seq: seq++, step: r.value, actor })
    else actor.return()
  }
  for (const a of actors) advance(a, Number.NEGATIVE_INFINITY)
  for (;;) {
    const e = heap.pop()
    if (e === undefined) return
    if (isSpawn(e.step)) advance(e.step.spawn, e.time)
    else yield e.step
    advance(e.actor, e.time)
  }
}
