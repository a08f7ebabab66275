import { z } from 'zod'
import { rootConfig } from '../../config/schema.js'

/** Prints the JSON Schema of the config file (what a user writes, so the input side: defaults are optional). */
export function configSchemaCommand(): void {
  const schema = z.toJSONSchema(rootConfig, { io: 'input', unrepresentable: 'any' })
  process.stdout.write(
    `${JSON.stringify({ $id: 'https://lookout.dev/schema/lookout.json', title: 'lookout', ...schema }, null, 2)}\n`,
  )
}
