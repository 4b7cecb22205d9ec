/**
 * A strict parser for the Prometheus text exposition format (version 0.0.4), for tests:
 * every line must be a HELP/TYPE comment or a sample `name{label="value",...} value`;
 * every sample must belong to a family declared by TYPE; histogram series must be complete
 * (_bucket with le, cumulative, ending at +Inf, plus _sum and _count). Throws on anything else.
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: string
  help: string
  samples: Sample[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`)
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/

function parseLabels(text: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let rest = text ?? ''
  while (rest.length) {
    const match = LABEL.exec(rest)
    if (!match) throw new Error(`bad labels in: ${line}`)
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    rest = rest.slice(match[0].length)
  }
  return labels
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  const value = Number(text)
  if (Number.isNaN(value)) throw new Error(`bad value in: ${line}`)
  return value
}

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (comment) {
      const [, kind, name, rest] = comment
      const family = families.get(name!) ?? { name: name!, type: 'untyped', help: '', samples: [] }
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`bad TYPE: ${line}`)
        family.type = rest!
      } else family.help = rest!
      families.set(name!, family)
      continue
    }
    if (line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`not a sample line: ${line}`)
    const [, name, labelText, valueText] = match
    const base = name!.replace(/_(bucket|sum|count)$/, '')
    const family = families.get(name!) ?? families.get(base)
    if (!family) throw new Error(`sample without a TYPE: ${line}`)
    family.samples.push({ name: name!, labels: parseLabels(labelText, line), value: parseValue(valueText!, line) })
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family)
  return families
}

function checkHistogram(family: Family): void {
  const series = new Map<string, Sample[]>()
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels
    const key = JSON.stringify(rest)
    series.set(key, [...(series.get(key) ?? []), sample])
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'))
    const count = samples.find((s) => s.name.endsWith('_count'))
    if (!buckets.length || !count || !samples.some((s) => s.name.endsWith('_sum'))) throw new Error(`incomplete histogram ${family.name} ${key}`)
    if (buckets.at(-1)!.labels.le !== '+Inf' || buckets.at(-1)!.value !== count.value)
      throw new Error(`histogram ${family.name} ${key} does not end at +Inf = count`)
    for (let i = 1; i < buckets.length; i++) if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`histogram ${family.name} ${key} is not cumulative`)
  }
}

/** The value of the sample of `name` whose labels include `labels`. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const base = name.replace(/_(bucket|sum|count)$/, '')
  const family = families.get(name) ?? families.get(base)
  return family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}
