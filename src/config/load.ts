/**
 * Loads the effective config: YAML → environment overlay → `${VAR}` interpolation →
 * conversions and defaults → strict validation of the host config and of every enabled
 * plugin's options against that plugin's schema. Every problem is collected and thrown
 * together as a ConfigError, each with its path.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseDocument, type YAMLParseError } from 'yaml'
import { ConfigError } from '../errors.ts'
import { DEFAULT_CONCURRENCY, instanceSecrets, loadInstance, type PluginInstanceSpec } from './instances.ts'
import { didYouMean } from '../suggest.ts'
import { allowEntryProblem } from './ip-entries.ts'
import { isLogLevel } from '../log.ts'
import { interpolateString, interpolateTree, type Environ, type InterpolationError } from './interpolate.ts'
import { deepMerge, isPlainObject } from './merge.ts'
import { routeProblems } from './routes.ts'
import { appsOf, appTokens, tencentProblems } from './apps.ts'
import { routableApps, trtcProblems } from './trtc.ts'
import { adminProblems } from './admin.ts'
import { GatewayConfig, type PluginInstanceConfig, type RetryConfig } from './schema.ts'
import { normalise, schemaErrors, unknownKeyErrors } from './schema-errors.ts'

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
  /**
   * `all`: everything, plugin modules loaded and their options checked (serve, validate).
   * `store`: what a command working on the store needs (dlq, stats): each instance keeps its
   * id, `use` and `enabled`, but nothing else of it is interpolated, validated or loaded, so
   * a plugin's secrets need not be set to list dead letters. @default 'all'
   */
  scope?: 'all' | 'store'
}

/**
 * The offending line as an error shows it: its key, its value hidden. A value may be a secret
 * (a token mid-rotation), and a config that does not parse has registered none of its secrets
 * for redaction, while a reload's error goes to the server's log.
 */
function shownLine(line: string): string {
  const key = /^(\s*(?:-\s+)?[^\s:#'"{}[\],][^:#]*?:)(?=\s|$)/.exec(line)?.[1]
  if (key) return line.length > key.length && line.slice(key.length).trim() !== '' ? `${key} …` : key
  const indent = /^\s*/.exec(line)![0]
  return line.trim() === '' ? line : `${indent}…`
}

/** `file:line:col: message`, then the line (values hidden) and a caret, as compilers print. */
function syntaxProblem(shownPath: string, text: string, error: YAMLParseError): string {
  // The first line of the pretty message, without the position it repeats.
  const message = error.message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/:$/, '')
  const at = error.linePos?.[0]
  if (!at) return `${shownPath}: YAML: ${message}`
  const lines = text.split(/\r?\n/)
  const line = lines[at.line - 1] ?? ''
  // An unclosed bracket or quote is found where the file ends: a caret under nothing says nothing.
  if (line.trim() === '' && lines.slice(at.line - 1).every((l) => l.trim() === ''))
    return `${shownPath}:${at.line}:${at.col}: ${message} (at the end of the file)`
  // Tabs kept under tabs, so the caret lines up however wide the terminal draws them. A column
  // inside the hidden value points at the hidden value.
  const shown = shownLine(line)
  const pad = shown.slice(0, Math.min(at.col - 1, Math.max(0, shown.length - 1))).replace(/[^\t]/g, ' ')
  return `${shownPath}:${at.line}:${at.col}: ${message}\n      ${shown}\n      ${pad}^`
}

function readYaml(path: string, shownPath: string, problems: string[]): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    problems.push(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    return undefined
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  // The first syntax error is the real one; the parser's follow-on errors are noise.
  const [first, ...rest] = doc.errors
  if (first) problems.push(syntaxProblem(shownPath, text, first))
  for (const error of rest.slice(0, 2)) problems.push(syntaxProblem(shownPath, text, error).split('\n')[0]!)
  if (doc.errors.length > 3)
    problems.push(
      `${shownPath}: ${doc.errors.length - 3} more YAML syntax errors follow from the first (hint: quote values holding \${...} inside { } flow maps)`,
    )
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

/**
 * Whether the overlay wrote the value at `path` (a dotted path of the merged tree): it set
 * that key, or replaced a list or value above it (lists and scalars replace, docs/design.md §3).
 * Otherwise the value came from the base.
 */
function writtenByOverlay(path: string, overlay: unknown): boolean {
  if (!isPlainObject(overlay)) return false
  let node: unknown = overlay
  let rest = path
  while (isPlainObject(node)) {
    if (rest === '') return true
    // Longest key first: plugin ids may hold dots (`crm.eu`).
    const key = Object.keys(node)
      .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
      .sort((a, b) => b.length - a.length)[0]
    if (key === undefined) return false
    node = node[key]
    rest = rest.slice(key.length).replace(/^\./, '')
  }
  return true
}

/** PORT and LOG_LEVEL win over the file; a bad one is named as the variable the user set. */
function environmentOverrides(tree: Record<string, unknown>, env: Environ, problems: string[]): void {
  const port = env.PORT?.trim()
  if (port) {
    if (/^\d+$/.test(port) && Number(port) <= 65535) tree.server = { ...(isPlainObject(tree.server) ? tree.server : {}), port: Number(port) }
    else problems.push(`PORT: ${JSON.stringify(env.PORT)} is not a port number (1-65535, or 0 for any free port)`)
  }
  const level = env.LOG_LEVEL?.trim()
  if (level) {
    if (isLogLevel(level)) tree.log = { ...(isPlainObject(tree.log) ? tree.log : {}), level }
    else problems.push(`LOG_LEVEL: ${JSON.stringify(env.LOG_LEVEL)} is not a log level (debug, info, warn or error)`)
  }
}

function collectSecrets(config: GatewayConfig, instances: PluginInstanceSpec[]): string[] {
  const secrets = [
    config.tencent.token,
    ...(config.tencent.tokens ?? []),
    ...appTokens(appsOf(config.tencent)),
    config.trtc?.key ?? '',
    config.admin?.token ?? '',
  ]
  if (config.store.url) {
    const password = URL.canParse(config.store.url) ? new URL(config.store.url).password : ''
    if (password) secrets.push(decodeURIComponent(password), password)
  }
  return [...secrets, ...instanceSecrets(instances)].filter((s) => s && s.length >= 4)
}

/** Loads and validates a config file; throws ConfigError listing every problem. */
export async function loadConfig({ path, environment, env = process.env, scope = 'all' }: LoadOptions): Promise<LoadedConfig> {
  const configPath = resolve(path)
  const configDir = dirname(configPath)
  const problems: string[] = []
  const raw = readYaml(configPath, path, problems)
  if (problems.length) throw new ConfigError(problems)
  if (!isPlainObject(raw)) throw new ConfigError(['(root): the config must be a YAML mapping'])

  const { environments = {}, ...base } = raw
  const selected = environment || env.GATEWAY_ENV || undefined
  // Unknown keys come from each document on its own, so each is named once, where it was
  // written: a base typo at its base path, an overlay's under environments.<name>, whether
  // or not that environment is the one selected.
  // A disabled instance is not validated at all, so its keys are not either: which instances
  // are disabled is read from the tree the document takes part in (base, or base + overlay).
  const unknownKeys = (document: Record<string, unknown>, tree: Record<string, unknown>, prefix?: string) => {
    // On a copy: disabledInstances writes the parsed `enabled` back, and its problems are reported later, once.
    const off = disabledInstances(structuredClone(tree), env, [])
    const at = prefix ? `${prefix}.plugins.` : 'plugins.'
    return unknownKeyErrors(GatewayConfig, document, prefix).filter((line) => {
      if (!line.startsWith(at)) return true
      const id = Object.keys(isPlainObject(tree.plugins) ? tree.plugins : {}).find((name) => line.startsWith(`${at}${name}.`))
      return id === undefined || !off.has(id)
    })
  }
  const overlayProblems: string[] = []
  let overlay: Record<string, unknown> | undefined
  if (environments !== null && !isPlainObject(environments)) problems.push('environments: Expected a mapping of environment names')
  else {
    // An environment left empty (`dev:` with nothing under it) is an empty overlay.
    const overlays = Object.entries(environments ?? {}).map(([name, settings]) => [name, settings ?? {}] as const)
    for (const [name, settings] of overlays) {
      if (isPlainObject(settings)) overlayProblems.push(...unknownKeys(settings, deepMerge(base, settings) as Record<string, unknown>, `environments.${name}`))
      else overlayProblems.push(`environments.${name}: Expected a mapping of settings`)
    }
    if (selected !== undefined) {
      const found = overlays.find(([name]) => name === selected)
      if (!found) {
        problems.push(
          `environment "${selected}" is not defined${didYouMean(
            selected,
            overlays.map(([name]) => name),
          )} (defined: ${overlays.map(([name]) => name).join(', ') || 'none'})`,
        )
      } else if (isPlainObject(found[1])) overlay = found[1]
    }
  }
  const tree = (overlay ? deepMerge(base, overlay) : base) as Record<string, unknown>
  problems.push(...unknownKeys(base, tree))

  // Problems of the merged tree, named by their path in it; placed in the file at the end.
  const treeProblems: string[] = []
  const disabled = disabledInstances(tree, env, treeProblems)
  const interpolationErrors: InterpolationError[] = []
  // A disabled instance is neither interpolated nor validated: a dev box needs no production
  // secrets. With scope 'store' no instance is: listing dead letters needs no plugin's secret.
  const storeOnly = scope === 'store'
  const skipInstance = (p: string) => p.startsWith('plugins.') && (storeOnly || disabled.has(p.slice('plugins.'.length)))
  const interpolated = interpolateTree(tree, env, '', interpolationErrors, skipInstance) as Record<string, unknown>
  for (const e of interpolationErrors) treeProblems.push(`${e.path}: environment variable ${e.variable} is not set`)

  environmentOverrides(interpolated, env, problems)

  // Skipped instances keep only the keys the host needs; their options are not looked at.
  if (isPlainObject(interpolated.plugins)) {
    for (const [id, instance] of Object.entries(interpolated.plugins)) {
      if (!isPlainObject(instance)) continue
      if (disabled.has(id)) interpolated.plugins[id] = { use: instance.use, enabled: false }
      else if (storeOnly) interpolated.plugins[id] = instance.enabled === undefined ? { use: instance.use } : { use: instance.use, enabled: instance.enabled }
    }
  }

  // A value left empty by a missing variable is reported once, as the missing variable.
  const missing = new Set(interpolationErrors.map((e) => e.path))
  const notMissing = (line: string) => !missing.has(line.slice(0, line.indexOf(': ')))
  // The keys the file wrote, before defaults fill `token` in: which auth form it uses.
  const tencentKeys = isPlainObject(interpolated.tencent) ? Object.keys(interpolated.tencent) : undefined
  const config = normalise(GatewayConfig, interpolated) as GatewayConfig
  treeProblems.push(...schemaErrors(GatewayConfig, config, '', { unknownKeys: false }).filter(notMissing))

  for (const key of ['allowIps', 'trustProxy'] as const) {
    const entries: unknown = config.server?.[key]
    if (!Array.isArray(entries)) continue
    entries.forEach((entry, i) => {
      const problem = typeof entry === 'string' ? allowEntryProblem(entry) : undefined
      if (problem) treeProblems.push(`server.${key}[${i}]: ${problem}`)
    })
  }

  // Go on past host problems where the shape allows, so one run lists every error.
  const instances: PluginInstanceSpec[] = []
  const plugins = isPlainObject(config.plugins) ? config.plugins : {}
  for (const [id, instance] of Object.entries(plugins)) {
    if (!isPlainObject(instance) || typeof instance.use !== 'string') continue
    if (storeOnly) {
      instances.push({
        id,
        use: instance.use,
        enabled: instance.enabled,
        options: undefined,
        retry: instance.retry,
        concurrency: instance.concurrency ?? DEFAULT_CONCURRENCY,
      })
      continue
    }
    const before = treeProblems.length
    instances.push(await loadInstance(id, instance, configDir, treeProblems))
    treeProblems.splice(before, treeProblems.length - before, ...treeProblems.slice(before).filter(notMissing))
  }
  const ids = Object.keys(plugins)
  const formProblems = tencentProblems(tencentKeys, isPlainObject(config.tencent) ? config.tencent : undefined)
  treeProblems.push(...formProblems, ...trtcProblems(config), ...adminProblems(config))
  // Routes' app: entries are checked against a table only when the table itself is sound.
  const trtcOk = config.trtc === undefined || (isPlainObject(config.trtc) && !treeProblems.some((p) => p.startsWith('trtc.')))
  const apps = isPlainObject(config.tencent) && !formProblems.length && trtcOk ? routableApps(config) : undefined
  treeProblems.push(...routeProblems(Array.isArray(config.routes) ? config.routes : [], ids, apps))
  // Each problem at the place the user wrote the value: the selected overlay or the base.
  for (const line of treeProblems) {
    const at = line.indexOf(': ')
    problems.push(overlay && at > 0 && writtenByOverlay(line.slice(0, at), overlay) ? `environments.${selected}.${line}` : line)
  }
  problems.push(...overlayProblems)
  if (problems.length) throw new ConfigError(problems)
  delete config.environments
  return { config, configPath, configDir, environment: selected, instances, secrets: collectSecrets(config, instances) }
}
