/**
 * The layers of src/, lowest first (docs/design.md §2). A file may import from its own
 * folder and from lower layers only; two folders of one layer do not import each other. So
 * the folder graph has no cycles, and a callback's path reads one way: ingress → store →
 * delivery → plugin. Run `npx bun test test/architecture` to see the map it checks.
 */
import { describe, expect, it } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { REPO } from '../helpers/gateway.ts'

export const LAYERS: string[][] = [
  ['errors.ts', 'suggest.ts', 'log.ts', 'timeout.ts', 'bytes.ts', 'group-commit.ts', 'exact-json.ts', 'types'],
  ['plugin.ts'],
  ['plugin-http.ts', 'tencent', 'runtime'],
  ['config'],
  ['routing', 'store'],
  ['ingress', 'delivery', 'plugin-host', 'admin'],
  ['gateway'],
  ['cli'],
  ['main.ts'],
]

const SRC = join(REPO, 'src')
const layerOf = new Map(LAYERS.flatMap((units, rank) => units.map((unit) => [unit, rank] as const)))

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : []
  })
}

/** The unit a src file belongs to: its top folder under src/, or the file itself at the top. */
const unitOf = (path: string) => relative(SRC, path).split('/')[0]!

/** Every relative import of src, as [importing unit, imported unit, file, specifier]. */
export function importEdges(): Array<[string, string, string, string]> {
  const edges: Array<[string, string, string, string]> = []
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const specifier = (match[1] ?? match[2])!
      const target = normalize(join(dirname(file), specifier))
      if (!target.startsWith(SRC)) continue
      edges.push([unitOf(file), unitOf(target), relative(REPO, file), specifier])
    }
  }
  return edges
}

describe('layers of src/', () => {
  it('every folder and top-level file of src/ has a layer', () => {
    const units = new Set(readdirSync(SRC))
    expect([...units].filter((unit) => !layerOf.has(unit))).toEqual([])
  })

  it('imports only go down (or stay in their folder): no cycles between folders', () => {
    const upward: string[] = []
    const map = new Map<string, Set<string>>()
    for (const [from, to, file, specifier] of importEdges()) {
      if (from === to) continue
      if (!map.has(from)) map.set(from, new Set())
      map.get(from)!.add(to)
      if (!(layerOf.get(to)! < layerOf.get(from)!))
        upward.push(`${file} imports ${specifier} (${from}, layer ${layerOf.get(from)}, → ${to}, layer ${layerOf.get(to)})`)
    }
    if (process.env.SHOW_LAYERS) for (const [from, to] of [...map].sort()) console.log(`${from} → ${[...to].sort().join(', ')}`)
    expect(upward).toEqual([])
  })
})

describe('citations of docs/design.md', () => {
  it('name sections that exist', () => {
    const design = readFileSync(join(REPO, 'docs/design.md'), 'utf8')
    const sections = new Set([...design.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!))
    const missing: string[] = []
    const cited = new Set<string>()
    for (const dir of ['src', 'plugins', 'test']) {
      for (const file of sources(join(REPO, dir))) {
        for (const [, section] of readFileSync(file, 'utf8').matchAll(/docs\/design\.md §(\d+(?:\.\d+)?)/g)) {
          cited.add(section!)
          if (!sections.has(section!)) missing.push(`${relative(REPO, file)} cites §${section}`)
        }
      }
    }
    expect(missing).toEqual([])
    expect(cited.size).toBeGreaterThan(5)
  })
})
