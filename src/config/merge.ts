/** Environment overlays: maps merge key by key, lists and scalars replace (docs/design.md §3). */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay === undefined ? base : overlay
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overlay)) out[key] = deepMerge(base[key], value)
  return out
}
