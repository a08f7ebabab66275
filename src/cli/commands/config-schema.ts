import { configJsonSchema } from '../../config/schema.js'

/** Prints the JSON Schema of the config file, for editors. */
export function configSchemaCommand(): void {
  const schema = configJsonSchema()
  process.stdout.write(
    `${JSON.stringify({ $id: 'https://lookout.dev/schema/lookout.json', title: 'lookout', ...schema }, null, 2)}\n`,
  )
}
