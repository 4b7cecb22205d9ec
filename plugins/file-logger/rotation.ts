/**
 * Renames for log rotation. Size rotation keeps `<path>.1` (newest) … `<path>.N` (oldest);
 * daily rotation keeps `<path>.<YYYY-MM-DD>` files, the N most recent days.
 */
import { readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** The UTC calendar date of `time`, as `YYYY-MM-DD`. */
export function utcDate(time: Date | number): string {
  return new Date(time).toISOString().slice(0, 10)
}

/** Whether `path` exists; errors other than ENOENT are thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return false
    throw error
  }
}

/** Shifts `<path>.i` to `<path>.(i+1)`, drops the oldest beyond `maxFiles`, and moves `path` to `<path>.1`. */
export async function rotateBySize(path: string, maxFiles: number): Promise<string> {
  await rm(`${path}.${maxFiles}`, { force: true })
  for (let index = maxFiles - 1; index >= 1; index--) {
    const from = `${path}.${index}`
    if (await exists(from)) await rename(from, `${path}.${index + 1}`)
  }
  const target = `${path}.1`
  await rename(path, target)
  return target
}

const DATED_SUFFIX = /^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?$/

/** Orders dated names by day, then by the collision counter (`.2` before `.10`). */
function compareDated(a: RegExpExecArray, b: RegExpExecArray): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1
  return Number(a[2] ?? 0) - Number(b[2] ?? 0)
}

/**
 * Moves `path` to `<path>.<date>` (the date of its contents), then deletes the oldest
 * dated files beyond `maxFiles`. A name already taken (the clock went back, or a restart
 * on the same day) gets a counter instead of being overwritten: rotation never drops lines.
 */
export async function rotateDaily(path: string, date: string, maxFiles: number): Promise<string> {
  let target = `${path}.${date}`
  for (let counter = 1; await exists(target); counter++) target = `${path}.${date}.${counter}`
  await rename(path, target)

  const folder = dirname(path)
  const prefix = `${basename(path)}.`
  const dated = (await readdir(folder))
    .filter((name) => name.startsWith(prefix))
    .map((name) => DATED_SUFFIX.exec(name.slice(prefix.length)))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort(compareDated)
  for (const match of dated.slice(0, Math.max(0, dated.length - maxFiles))) {
    await rm(join(folder, `${prefix}${match[0]}`), { force: true })
  }
  return target
}
