import { z } from 'zod'

// PLACEHOLDER owned by the detection work: top-level keys `packs`, `rules`, `max_tracked_keys`.
export const detectionShape = {
  packs: z.record(z.string(), z.unknown()).optional(),
  rules: z.array(z.unknown()).default([]),
  max_tracked_keys: z.number().int().positive().default(1_000_000),
}
