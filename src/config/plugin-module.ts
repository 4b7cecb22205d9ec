/**
 * Finds and loads a plugin module: a built-in by folder name under `plugins/`, or a
 * custom one by a path relative to the config file (docs/design.md §3 `use`).
 */
import { existsSync, readdirSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { PluginDefinition } from '../plugin.ts'
import { didYouMean } from '../suggest.ts'

export const BUILTIN_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url))

/** Names of the built-in plugins: folders under plugins/ holding an index.ts. */
export function builtinPluginNames(): string[] {
  if (!existsSync(BUILTIN_DIR)) return []
  return readdirSync(BUILTIN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(resolve(BUILTIN_DIR, entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort()
}

export function isPathReference(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || isAbsolute(use) || /\.(ts|js|mjs)$/.test(use)
}

export type Resolution = { ok: true; file: string; builtin: boolean } | { ok: false; problem: string }

/** Where `use` points; a problem text (with "did you mean") when nothing is there. */
export function resolvePluginFile(use: string, configDir: string): Resolution {
  if (isPathReference(use)) {
    const file = resolve(configDir, use)
    return existsSync(file) ? { ok: true, file, builtin: false } : { ok: false, problem: `plugin file not found: ${file}` }
  }
  const names = builtinPluginNames()
  if (names.includes(use)) return { ok: true, file: resolve(BUILTIN_DIR, use, 'index.ts'), builtin: true }
  return {
    ok: false,
    problem: `unknown plugin "${use}"${didYouMean(use, names)} (built-ins: ${names.join(', ')}; a custom plugin is a path such as ./my-plugin.ts)`,
  }
}

function isPluginDefinition(value: unknown): value is PluginDefinition {
  const candidate = value as PluginDefinition | undefined
  return typeof candidate?.name === 'string' && typeof candidate.setup === 'function'
}

/** Imports a plugin module and checks its default export. */
export async function importPlugin(file: string): Promise<PluginDefinition> {
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown }
  if (!isPluginDefinition(module.default)) {
    throw new Error(`${file} does not default-export definePlugin({ name, setup })`)
  }
  return module.default
}
