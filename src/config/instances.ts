/**
 * One plugin instance of the config: its module found and loaded, its options checked against
 * the plugin's own schema, and the secrets it holds. loadConfig does this for every enabled
 * instance; the plugin test harness uses defineInstance and instanceSecrets the same way.
 */
import { stripVTControlCharacters } from 'node:util'
import type { TSchema } from '@sinclair/typebox'
import type { PluginDefinition } from '../plugin.ts'
import { isPlainObject } from './merge.ts'
import { importPlugin, resolvePluginFile } from './plugin-module.ts'
import type { PluginInstanceConfig, RetryConfig } from './schema.ts'
import { normalise, schemaErrors } from './schema-errors.ts'

export const DEFAULT_CONCURRENCY = 4

/**
 * Text from elsewhere (a runtime's module loader) for a terminal or a log: Deno colours its
 * module-not-found message even when stderr is a pipe, and the codes would reach the user raw.
 */
function plain(text: string): string {
  return stripVTControlCharacters(text)
}

export interface PluginInstanceSpec {
  id: string
  use: string
  enabled: boolean
  /** Options after the plugin's defaults (enabled instances only). */
  options: unknown
  retry: RetryConfig
  /** Effective concurrency: the config's, else the plugin's default, else 4. */
  concurrency: number
  /** Loaded module (enabled instances only). */
  definition?: PluginDefinition
  file?: string
}

/** The secrets of enabled plugin instances: their secretOptions, and every header value. */
export function instanceSecrets(instances: PluginInstanceSpec[]): string[] {
  const secrets: string[] = []
  for (const instance of instances) {
    if (!instance.enabled || !isPlainObject(instance.options)) continue
    for (const key of instance.definition?.secretOptions ?? []) {
      const value = instance.options[key]
      if (typeof value === 'string') secrets.push(value)
      else if (isPlainObject(value)) for (const inner of Object.values(value)) if (typeof inner === 'string') secrets.push(inner)
    }
    // Header values carry credentials (Authorization, API keys): never log any of them.
    if (isPlainObject(instance.options.headers)) {
      for (const value of Object.values(instance.options.headers))
        if (typeof value === 'string') secrets.push(value, value.replace(/^(Bearer|Basic|Token)\s+/i, ''))
    }
  }
  return secrets.filter((s) => s && s.length >= 4)
}

export async function loadInstance(id: string, raw: PluginInstanceConfig, configDir: string, problems: string[]): Promise<PluginInstanceSpec> {
  const spec: PluginInstanceSpec = {
    id,
    use: raw.use,
    enabled: raw.enabled,
    options: raw.options,
    retry: raw.retry,
    concurrency: raw.concurrency ?? DEFAULT_CONCURRENCY,
  }
  if (!raw.enabled) return spec
  const found = resolvePluginFile(raw.use, configDir)
  if (!found.ok) {
    problems.push(`plugins.${id}.use: ${found.problem}`)
    return spec
  }
  try {
    spec.definition = await importPlugin(found.file)
    spec.file = found.file
  } catch (error) {
    problems.push(`plugins.${id}.use: cannot load ${found.file}: ${plain((error as Error).message)}`)
    return spec
  }
  return defineInstance(spec, spec.definition, raw.options, raw.concurrency, problems)
}

/**
 * The part of loading an instance that only needs its definition: options defaulted and
 * checked against the plugin's own schema, concurrency defaulted. The plugin test harness
 * uses it too, so plugin tests check options exactly as a config load does.
 */
export function defineInstance(
  spec: PluginInstanceSpec,
  definition: PluginDefinition,
  rawOptions: unknown,
  concurrency: number | undefined,
  problems: string[],
): PluginInstanceSpec {
  spec.definition = definition
  const schema: TSchema | undefined = definition.options
  if (schema) {
    spec.options = normalise(schema, rawOptions)
    problems.push(...schemaErrors(schema, spec.options, `plugins.${spec.id}.options`))
  }
  spec.concurrency = concurrency ?? definition.defaultConcurrency ?? DEFAULT_CONCURRENCY
  return spec
}
