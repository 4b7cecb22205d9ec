/**
 * `${VAR}` (required) and `${VAR:-default}` (fallback when unset or empty) in every string
 * of the config; `$${` writes a literal `${`. Pure: the environment is passed in.
 */

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export interface InterpolationError {
  path: string
  variable: string
}

export type Environ = Record<string, string | undefined>

/** Interpolates one string; missing required variables are pushed to `errors`. */
export function interpolateString(value: string, env: Environ, path: string, errors: InterpolationError[]): string {
  if (!value.includes('${')) return value
  return value.replace(PATTERN, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${'
    const found = env[name!]
    if (found !== undefined && found !== '') return found
    if (fallback !== undefined) return fallback
    if (found === '') return ''
    errors.push({ path, variable: name! })
    return ''
  })
}

/** Interpolates every string in a YAML-parsed tree, returning a new tree. */
export function interpolateTree(
  node: unknown,
  env: Environ,
  path: string,
  errors: InterpolationError[],
  skip?: (path: string, node: unknown) => boolean,
): unknown {
  if (skip?.(path, node)) return node
  if (typeof node === 'string') return interpolateString(node, env, path, errors)
  if (Array.isArray(node)) return node.map((item, i) => interpolateTree(item, env, `${path}[${i}]`, errors, skip))
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(node)) {
      out[key] = interpolateTree(value, env, path ? `${path}.${key}` : key, errors, skip)
    }
    return out
  }
  return node
}
