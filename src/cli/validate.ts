/** `validate`: check the config, print the effective plugin instances and routing table. */
import { redactUrl } from '../store/redact-url.ts'
import { loadConfig, type LoadedConfig } from '../config/load.ts'
import { SecretRegistry } from '../log.ts'
import { DEFAULT_BUDGET_MS } from '../config/schema.ts'
import { trtcApps } from '../config/trtc.ts'
import { appsOf } from '../config/apps.ts'
import { commandMatcher } from '../tencent/command-pattern.ts'
import { beforeCommand, BEFORE_COMMANDS } from '../tencent/decisions.ts'
import { CONFIG_OPTIONS, configPath, parse, printUsage, type CommandSpec } from './args.ts'

export const VALIDATE: CommandSpec<typeof CONFIG_OPTIONS> = {
  synopsis: ['validate [--config FILE] [--env NAME]'],
  summary:
    'Check the config as serve would (every problem at once, exit 2), and print the effective\nsettings, plugin instances and routing table, secrets redacted.',
  options: CONFIG_OPTIONS,
}

export function describeConfig(loaded: LoadedConfig): string {
  const secrets = new SecretRegistry()
  for (const secret of loaded.secrets) secrets.add(secret)
  const lines: string[] = []
  lines.push(`config: ${loaded.configPath}`)
  lines.push(`environment: ${loaded.environment ?? '(base)'}`)
  const { server, tencent, store } = loaded.config
  lines.push(`listen: http://${server.hostname}:${server.port}${server.path}`)
  if (tencent.apps) lines.push(...describeApps(loaded))
  else lines.push(`sdkAppId: ${[tencent.sdkAppId].flat().join(', ')}; signature: ${tencent.token || tencent.tokens?.length ? 'required' : 'not required'}`)
  const trtc = loaded.config.trtc
  if (trtc) {
    const accepted = [...trtcApps(loaded.config)].map(([id, label]) => (label === id ? id : `${label} (${id})`)).join(', ')
    lines.push(`trtc: http://${server.hostname}:${server.port}${trtc.path}; SdkAppIds ${accepted}; key set (HMAC-SHA256 Sign required)`)
  }
  const admin = loaded.config.admin
  if (admin) lines.push(`admin console: http://${admin.hostname}:${admin.port}/; ${admin.token ? 'bearer token required' : 'no token (loopback only)'}`)
  lines.push(`store: ${store.url ? `postgres ${redactUrl(store.url)} (lease ${store.leaseSeconds} s)` : `sqlite ${store.path} (sync ${store.sync})`}`)
  lines.push('', 'plugin instances:')
  const width = Math.max(4, ...loaded.instances.map((i) => i.id.length))
  for (const instance of loaded.instances) {
    const head = `  ${instance.id.padEnd(width)}  ${instance.use.padEnd(16)}`
    if (!instance.enabled) {
      lines.push(`${head}  disabled`)
      continue
    }
    const { maxAttempts, initialDelayMs, maxDelayMs } = instance.retry
    const routes = loaded.config.routes
    // An instance named only by decide: has no queue, so its delivery settings mean nothing.
    if (routes.some((r) => r.decide === instance.id) && !routes.some((r) => r.to?.includes(instance.id))) lines.push(`${head}  enabled   decides`)
    else lines.push(`${head}  enabled   concurrency ${instance.concurrency}, retry ${maxAttempts} attempts ${initialDelayMs}..${maxDelayMs} ms`)
    lines.push(`  ${' '.repeat(width)}  options ${JSON.stringify(instance.options)}`)
  }
  lines.push('', 'routes:')
  if (loaded.config.routes.length === 0) lines.push('  (none: every callback is stored and answered OK, and delivered nowhere)')
  const enabled = new Set(loaded.instances.filter((i) => i.enabled).map((i) => i.id))
  for (const route of loaded.config.routes) {
    const where = route.where
      ? ` where ${Object.entries(route.where)
          .map(([k, v]) => `${k}=${[v].flat().join('|')}`)
          .join(' and ')}`
      : ''
    const named = (id: string) => (enabled.has(id) ? id : `${id} (disabled)`)
    const to = route.to ? ` -> ${route.to.map(named).join(', ')}` : ''
    const decide = route.decide
      ? ` decided by ${named(route.decide)} within ${route.budgetMs ?? DEFAULT_BUDGET_MS} ms${route.onFailure ? `, else ${route.onFailure}` : ''}`
      : route.onFailure
        ? ` answered ${route.onFailure}`
        : ''
    const app = route.app !== undefined ? ` for app ${[route.app].flat().join('|')}` : ''
    lines.push(`  ${route.match}${app}${where}${decide}${to}`)
  }
  return secrets.scrub(lines.join('\n'))
}

/** `tencent.apps`, one line each: name, SdkAppid, whether Sign is required; tokens counted, never shown. */
function describeApps(loaded: LoadedConfig): string[] {
  const apps = appsOf(loaded.config.tencent)
  const width = Math.max(4, ...apps.map((app) => app.name!.length))
  const lines = ['apps:']
  for (const app of apps) {
    const count = app.tokens.length
    const signature = count ? `signature required (${count} token${count > 1 ? 's' : ''}, redacted)` : 'signature not required'
    lines.push(`  ${app.name!.padEnd(width)}  sdkAppId ${app.sdkAppId.padEnd(10)}  ${signature}`)
  }
  return lines
}

/** Valid settings that are still risky, one line each. */
export function configWarnings(loaded: LoadedConfig): string[] {
  const warnings: string[] = []
  const { server } = loaded.config
  if (server.trustProxy === true) {
    // Listening on loopback means the proxy is local, so its address is known; otherwise only the operator knows it.
    const proxy = server.hostname === '127.0.0.1' ? '127.0.0.1' : "<your proxy's address>"
    warnings.push(
      `server.trustProxy: true takes the right-most X-Forwarded-For entry from any peer, so a client that reaches the gateway without passing your proxy chooses the address allowIps checks; list the proxy instead: trustProxy: [${proxy}]`,
    )
  }
  warnings.push(...undecidedWarnings(loaded))
  return warnings
}

/** Routes that send Before callbacks to plugins while no enabled decider answers them. */
function undecidedWarnings(loaded: LoadedConfig): string[] {
  const enabled = new Set(loaded.instances.filter((i) => i.enabled).map((i) => i.id))
  const routes = loaded.config.routes
  const decided = (command: string) => routes.some((r) => r.decide !== undefined && enabled.has(r.decide) && commandMatcher(r.match)(command))
  const warnings: string[] = []
  routes.forEach((route, i) => {
    if (route.decide !== undefined || !(route.to ?? []).some((id) => enabled.has(id))) return
    const exact = !route.match.includes('*')
    const covered = exact ? (beforeCommand(route.match) ? [route.match] : []) : [...BEFORE_COMMANDS.keys()].filter(commandMatcher(route.match))
    const undecided = covered.filter((command) => !decided(command))
    if (undecided.length === 0) return
    const shown = undecided.length > 3 ? `${undecided.slice(0, 3).join(', ')} and ${undecided.length - 3} more` : undecided.join(', ')
    warnings.push(
      `routes[${i}] (${route.match}) sends Before callbacks to plugins, but no route names a decider for ${shown}: they are answered with onFailure (${route.onFailure ?? 'the command default'}) without asking anyone; add decide: to a route for them`,
    )
  })
  return warnings
}

export async function validateCommand(args: string[]): Promise<number> {
  const { values, help } = parse(args, VALIDATE)
  if (help) return printUsage(VALIDATE)
  const loaded = await loadConfig({ path: configPath(values), environment: values.env })
  console.log(describeConfig(loaded))
  for (const warning of configWarnings(loaded)) console.error(`warning: ${warning}`)
  console.log('\nconfig OK')
  return 0
}
