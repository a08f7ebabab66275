/** Wall time, injectable. Detectors never use it: they run on event time. */
export interface Clock {
  now(): number
}
export const systemClock: Clock = { now: () => Date.now() }
