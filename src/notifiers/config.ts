import { z } from 'zod'

// PLACEHOLDER owned by the notifier work: `notify`.
export const notifyConfig = z.strictObject({}).default({})
