import { z } from 'zod'

// PLACEHOLDER owned by the detection work: `incidents` and `team`.
export const incidentsConfig = z.strictObject({}).default({})
export const teamConfig = z.strictObject({}).default({})
