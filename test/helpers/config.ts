/** Config files written to a temp folder, and the problems loadConfig reports for them. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { ConfigError } from '../../src/errors.ts'
import { tempDir } from './gateway.ts'

/** Writes `yaml` as config.yaml in a new temp folder; returns its path. */
export function writeConfigFile(yaml: string, prefix = 'config-'): string {
  const path = join(tempDir(prefix), 'config.yaml')
  writeFileSync(path, yaml)
  return path
}

/** Every problem loadConfig reports for `yaml` (none: an empty list). */
export async function configProblems(yaml: string, { env = {}, environment }: { env?: Record<string, string>; environment?: string } = {}): Promise<string[]> {
  try {
    await loadConfig({ path: writeConfigFile(yaml), env, environment })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}
