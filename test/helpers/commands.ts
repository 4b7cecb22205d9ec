/** Registry helpers shared by the registry's unit test and the every-command e2e test. */
import type { CommandEntry } from '../../src/tencent/commands/index.ts'

/** The documented required fields of an entry's body (CallbackCommand may come from the query). */
export function requiredFields(entry: CommandEntry): string[] {
  return ((entry.schema as { required?: string[] }).required ?? []).filter((name) => name !== 'CallbackCommand')
}

/** The sample with its first required field given a value of another type. */
export function mutated(entry: CommandEntry): { field: string; body: Record<string, unknown> } {
  const field = requiredFields(entry)[0]!
  const body = structuredClone(entry.sample)
  const value = body[field]
  body[field] = typeof value === 'object' && value !== null && !Array.isArray(value) ? 'not-an-object' : { wrong: true }
  return { field, body }
}

/** The dotted paths of an object schema's required fields, nested objects' included. */
function requiredPaths(schema: { required?: string[]; properties?: Record<string, any> }, prefix = ''): string[] {
  return (schema.required ?? [])
    .filter((name) => name !== 'CallbackCommand')
    .flatMap((name) => {
      const field = schema.properties?.[name]
      const nested = field?.type === 'object' && field.required?.length ? requiredPaths(field, `${prefix}${name}.`) : []
      return nested.length ? nested : [`${prefix}${name}`]
    })
}

/** docs/http.md's payload-check table, made from the registry. */
export function payloadChecksTable(entries: readonly CommandEntry[]): string {
  const rows = entries.map(
    (entry) =>
      `| [\`${entry.command}\`](${entry.page}) | ${entry.product} | ${entry.kind} | ${requiredPaths(entry.schema as any)
        .map((p) => `\`${p}\``)
        .join(', ')} |`,
  )
  return ['| command | product | kind | must have |', '| --- | --- | --- | --- |', ...rows].join('\n')
}
