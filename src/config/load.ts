/**
 * Loads the effective config: YAML → environment overlay → `${VAR}` interpolation →
 * conversions and defaults → strict validation of the host config and of every enabled
 * plugin's options against that plugin's schema. Every problem is collected and thrown
 * together as a ConfigError, each with its path.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { TSchema } from '@sinclair/typebox'
import { ConfigError } from '../errors.ts'
import type { PluginDefinition } from '../plugin.ts'
import { importPlugin, resolvePluginFile } from '../plugins/resolve.ts'
import { didYouMean } from '../suggest.ts'
import { allowEntryProblem } from '../http/allow-list.ts'
import { interpolateString, interpolateTree, type Environ, type InterpolationError } from './interpolate.ts'
import { deepMerge, isPlainObject } from './merge.ts'
import { GatewayConfig, type PluginInstanceConfig, type RetryConfig } from './schema.ts'
import { normalise, schemaErrors } from './schema-errors.ts'

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

export interface LoadedConfig {
  config: GatewayConfig
  configPath: string
  configDir: string
  environment?: string
  instances: PluginInstanceSpec[]
  /** Secret values found in the config, for log redaction. */
  secrets: string[]
}

export interface LoadOptions {
  path: string
  environment?: string
  env?: Environ
}

const DEFAULT_CONCURRENCY = 4
const ROUTE_PATTERN = /^[A-Za-z0-9_.*]+$/

function readYaml(path: string, problems: string[]): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    problems.push(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    return undefined
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  // The first syntax error is the real one; the parser's follow-on errors are noise.
  for (const error of doc.errors.slice(0, 3)) problems.push(`YAML: ${error.message.split('\n')[0]!.replace(/:$/, '')}`)
  if (doc.errors.length > 3) problems.push(`YAML: ${doc.errors.length - 3} more syntax errors follow from the first (hint: quote values holding \${...} inside { } flow maps)`)
  return doc.errors.length ? undefined : doc.toJS()
}

function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (typeof value !== 'string') return undefined
  const lower = value.trim().toLowerCase()
  if (['true', 'yes', 'on', '1'].includes(lower)) return true
  if (['false', 'no', 'off', '0', ''].includes(lower)) return false
  return undefined
}

/** Works out which plugin instances are disabled before interpolation, so their secrets need not exist. */
function disabledInstances(tree: Record<string, unknown>, env: Environ, problems: string[]): Set<string> {
  const disabled = new Set<string>()
  if (!isPlainObject(tree.plugins)) return disabled
  for (const [id, instance] of Object.entries(tree.plugins)) {
    if (!isPlainObject(instance) || instance.enabled === undefined) continue
    const errors: InterpolationError[] = []
    const raw = typeof instance.enabled === 'string' ? interpolateString(instance.enabled, env, `plugins.${id}.enabled`, errors) : instance.enabled
    for (const e of errors) problems.push(`${e.path}: environment variable ${e.variable} is not set`)
    const enabled = parseBoolean(raw)
    if (enabled === undefined) problems.push(`plugins.${id}.enabled: Expected boolean, got ${JSON.stringify(raw)}`)
    else {
      instance.enabled = enabled
      if (!enabled) disabled.add(id)
    }
  }
  return disabled
}

/** Typos in environments that are not selected still deserve an error. */
function checkOtherEnvironments(base: Record<string, unknown>, environments: Record<string, unknown>, selected: string | undefined, problems: string[]): void {
  for (const [name, overlay] of Object.entries(environments)) {
    if (name === selected || !isPlainObject(overlay)) continue
    const merged = normalise(GatewayConfig, deepMerge(base, overlay))
    for (const line of schemaErrors(GatewayConfig, merged)) {
      if (line.includes('unknown key')) problems.push(`environments.${name}.${line}`)
    }
  }
}

function collectSecrets(config: GatewayConfig, instances: PluginInstanceSpec[]): string[] {
  const secrets = [config.tencent.token, ...(config.tencent.tokens ?? [])]
  if (config.store.url) {
    const password = URL.canParse(config.store.url) ? new URL(config.store.url).password : ''
    if (password) secrets.push(decodeURIComponent(password), password)
  }
  for (const instance of instances) {
    if (!instance.enabled || !isPlainObject(instance.options)) continue
    for (const key of instance.definition?.secretOptions ?? []) {
      const value = instance.options[key]
      if (typeof value === 'string') secrets.push(value)
      else if (isPlainObject(value)) for (const inner of Object.values(value)) if (typeof inner === 'string') secrets.push(inner)
    }
    // Header values carry credentials (Authorization, API keys): never log any of them.
    if (isPlainObject(instance.options.headers)) {
      for (const value of Object.values(instance.options.headers)) if (typeof value === 'string') secrets.push(value, value.replace(/^(Bearer|Basic|Token)\s+/i, ''))
    }
  }
  return secrets.filter((s) => s && s.length >= 4)
}

async function loadInstance(id: string, raw: PluginInstanceConfig, configDir: string, problems: string[]): Promise<PluginInstanceSpec> {
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
    problems.push(`plugins.${id}.use: cannot load ${found.file}: ${(error as Error).message}`)
    return spec
  }
  const schema: TSchema | undefined = spec.definition.options
  if (schema) {
    spec.options = normalise(schema, raw.options)
    problems.push(...schemaErrors(schema, spec.options, `plugins.${id}.options`))
  }
  spec.concurrency = raw.concurrency ?? spec.definition.defaultConcurrency ?? DEFAULT_CONCURRENCY
  return spec
}

/** Loads and validates a config file; throws ConfigError listing every problem. */
export async function loadConfig({ path, environment, env = process.env }: LoadOptions): Promise<LoadedConfig> {
  const configPath = resolve(path)
  const configDir = dirname(configPath)
  const problems: string[] = []
  const raw = readYaml(configPath, problems)
  if (problems.length) throw new ConfigError(problems)
  if (!isPlainObject(raw)) throw new ConfigError(['(root): the config must be a YAML mapping'])

  const { environments = {}, ...base } = raw
  const selected = environment || env.GATEWAY_ENV || undefined
  let tree: Record<string, unknown> = base
  if (!isPlainObject(environments)) problems.push('environments: Expected a mapping of environment names')
  else {
    if (selected !== undefined) {
      if (!(selected in environments)) {
        problems.push(`environment "${selected}" is not defined${didYouMean(selected, Object.keys(environments))} (defined: ${Object.keys(environments).join(', ') || 'none'})`)
      } else tree = deepMerge(base, environments[selected]) as Record<string, unknown>
    }
    checkOtherEnvironments(base, environments, selected, problems)
  }

  const disabled = disabledInstances(tree, env, problems)
  const interpolationErrors: InterpolationError[] = []
  // A disabled instance is neither interpolated nor validated: a dev box needs no production secrets.
  const skipDisabled = (p: string) => p.startsWith('plugins.') && disabled.has(p.slice('plugins.'.length))
  const interpolated = interpolateTree(tree, env, '', interpolationErrors, skipDisabled) as Record<string, unknown>
  for (const e of interpolationErrors) problems.push(`${e.path}: environment variable ${e.variable} is not set`)

  if (env.PORT) interpolated.server = { ...(isPlainObject(interpolated.server) ? interpolated.server : {}), port: env.PORT }
  if (env.LOG_LEVEL) interpolated.log = { ...(isPlainObject(interpolated.log) ? interpolated.log : {}), level: env.LOG_LEVEL }

  // Disabled instances keep only the keys the host needs; their options are not looked at.
  if (isPlainObject(interpolated.plugins)) {
    for (const id of disabled) {
      const instance = interpolated.plugins[id] as Record<string, unknown>
      interpolated.plugins[id] = { use: instance.use, enabled: false }
    }
  }

  // A value left empty by a missing variable is reported once, as the missing variable.
  const missing = new Set(interpolationErrors.map((e) => e.path))
  const notMissing = (line: string) => !missing.has(line.slice(0, line.indexOf(': ')))
  const config = normalise(GatewayConfig, interpolated) as GatewayConfig
  problems.push(...schemaErrors(GatewayConfig, config).filter(notMissing))

  for (const key of ['allowIps', 'trustProxy'] as const) {
    const entries: unknown = config.server?.[key]
    if (!Array.isArray(entries)) continue
    entries.forEach((entry, i) => {
      const problem = typeof entry === 'string' ? allowEntryProblem(entry) : undefined
      if (problem) problems.push(`server.${key}[${i}]: ${problem}`)
    })
  }

  // Go on past host problems where the shape allows, so one run lists every error.
  const instances: PluginInstanceSpec[] = []
  const plugins = isPlainObject(config.plugins) ? config.plugins : {}
  for (const [id, instance] of Object.entries(plugins)) {
    if (!isPlainObject(instance) || typeof instance.use !== 'string') continue
    const before = problems.length
    instances.push(await loadInstance(id, instance, configDir, problems))
    problems.splice(before, problems.length - before, ...problems.slice(before).filter(notMissing))
  }
  const ids = Object.keys(plugins)
  const routes = Array.isArray(config.routes) ? config.routes : []
  routes.forEach((route, i) => {
    if (!isPlainObject(route) || typeof route.match !== 'string' || !Array.isArray(route.to)) return
    if (!ROUTE_PATTERN.test(route.match)) problems.push(`routes[${i}].match: "${route.match}" is not a command or a pattern such as Live.* or *`)
    route.to.forEach((id, j) => {
      if (!ids.includes(id)) problems.push(`routes[${i}].to[${j}]: unknown plugin instance "${id}"${didYouMean(id, ids)}`)
    })
  })
  if (problems.length) throw new ConfigError(problems)
  delete config.environments
  return { config, configPath, configDir, environment: selected, instances, secrets: collectSecrets(config, instances) }
}
