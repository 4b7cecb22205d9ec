import { describe, it, expect } from 'bun:test'
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HarnessInstance } from '../../test/helpers/plugin-harness.ts'
import { cleanupAfterEach, setupPlugin, sampleEvent } from '../../test/helpers/plugin-harness.ts'
import { createGroupCommit } from './group-commit.ts'
import fileLogger from './index.ts'

const cleanups = cleanupAfterEach()

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'file-logger-test-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function start(options: Record<string, unknown>, configDir?: string): Promise<HarnessInstance> {
  const { instance, remove } = await setupPlugin(fileLogger, options, { configDir })
  cleanups.push(remove)
  cleanups.push(async () => instance.close?.())
  return instance
}

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8')
  expect(text.endsWith('\n')).toBe(true)
  return text.slice(0, -1).split('\n')
}

describe('file-logger', () => {
  it('writes one JSON line holding the full event', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    const instance = await start({ path })
    const event = sampleEvent({ attempt: 3, payload: { RoomId: 'r1', Big: '144115216631667826' } })

    await instance.deliver(event)

    const lines = await readLines(path)
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0])).toEqual(event)
  })

  it('writes concurrent deliveries as separate complete lines', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    const instance = await start({ path })
    const events = Array.from({ length: 50 }, () => sampleEvent())

    await Promise.all(events.map((event) => instance.deliver(event)))

    const lines = await readLines(path)
    expect(lines).toHaveLength(50)
    const ids = lines.map((line) => JSON.parse(line).id).sort()
    expect(ids).toEqual(events.map((event) => event.id).sort())
  })

  it('coalesces lines queued before a flush starts into one flush', async () => {
    const flushes: string[][] = []
    const commits = createGroupCommit(async (lines) => {
      flushes.push([...lines])
    })

    await Promise.all(['a', 'b', 'c'].map((line) => commits.add(line)))

    expect(flushes).toEqual([['a', 'b', 'c']])
  })

  it('rejects only the callers whose flush failed', async () => {
    let calls = 0
    const commits = createGroupCommit(async () => {
      calls++
      if (calls === 1) throw new Error('disk full')
    })

    const first = commits.add('a')
    await expect(first).rejects.toThrow('disk full')
    await expect(commits.add('b')).resolves.toBeUndefined()
  })

  it('rotates by size to path.1 and keeps at most maxFiles rotated files', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    const lineBytes = JSON.stringify(sampleEvent()).length + 1
    // Room for two lines per file.
    const instance = await start({ path, maxBytes: lineBytes * 2, maxFiles: 2 })

    const events = Array.from({ length: 9 }, () => sampleEvent())
    for (const event of events) await instance.deliver(event)

    expect((await readdir(dir)).sort()).toEqual(['callbacks.jsonl', 'callbacks.jsonl.1', 'callbacks.jsonl.2'])
    const id = (line: string) => JSON.parse(line).id
    expect((await readLines(path)).map(id)).toEqual([events[8].id])
    expect((await readLines(`${path}.1`)).map(id)).toEqual([events[6].id, events[7].id])
    expect((await readLines(`${path}.2`)).map(id)).toEqual([events[4].id, events[5].id])
  })

  it('rotates daily when the file holds lines of an earlier UTC day', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    await writeFile(path, '{"old":true}\n')
    const yesterday = new Date('2020-01-02T23:59:00Z')
    await utimes(path, yesterday, yesterday)
    const instance = await start({ path, rotate: 'daily' })
    const event = sampleEvent()

    await instance.deliver(event)

    expect(await readFile(`${path}.2020-01-02`, 'utf8')).toBe('{"old":true}\n')
    expect((await readLines(path)).map((line) => JSON.parse(line).id)).toEqual([event.id])
  })

  it('keeps only the maxFiles most recent daily files', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    for (const day of ['2020-01-01', '2020-01-02', '2020-01-03']) await writeFile(`${path}.${day}`, '{}\n')
    await writeFile(path, '{"old":true}\n')
    const fileDay = new Date('2020-01-04T12:00:00Z')
    await utimes(path, fileDay, fileDay)
    const instance = await start({ path, rotate: 'daily', maxFiles: 2 })

    await instance.deliver(sampleEvent())

    expect((await readdir(dir)).sort()).toEqual(['callbacks.jsonl', 'callbacks.jsonl.2020-01-03', 'callbacks.jsonl.2020-01-04'])
  })

  it('does not rotate daily while the file holds lines of today', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    const instance = await start({ path, rotate: 'daily' })

    await instance.deliver(sampleEvent())
    await instance.deliver(sampleEvent())

    expect(await readdir(dir)).toEqual(['callbacks.jsonl'])
    expect(await readLines(path)).toHaveLength(2)
  })

  it('resolves a relative path against the config folder', async () => {
    const configDir = await tempDir()
    const instance = await start({ path: 'out/events.jsonl' }, configDir)

    await instance.deliver(sampleEvent())

    expect(await readLines(join(configDir, 'out', 'events.jsonl'))).toHaveLength(1)
  })

  it('creates missing parent folders', async () => {
    const dir = await tempDir()
    const path = join(dir, 'a', 'b', 'c', 'callbacks.jsonl')
    const instance = await start({ path })

    await instance.deliver(sampleEvent())

    expect(await readLines(path)).toHaveLength(1)
  })

  it('uses ./logs/callbacks.jsonl under the config folder by default', async () => {
    const configDir = await tempDir()
    const instance = await start({}, configDir)

    await instance.deliver(sampleEvent())

    expect(await readLines(join(configDir, 'logs', 'callbacks.jsonl'))).toHaveLength(1)
  })

  it('starts on a fresh line when the file ends in a partial line', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    await writeFile(path, '{"cut off by a cra')
    const instance = await start({ path })
    const event = sampleEvent()

    await instance.deliver(event)

    const lines = await readLines(path)
    expect(lines[0]).toBe('{"cut off by a cra')
    expect(JSON.parse(lines[1])).toEqual(event)
  })

  it('flushes queued lines on close', async () => {
    const dir = await tempDir()
    const path = join(dir, 'callbacks.jsonl')
    const instance = await start({ path, fsync: false })
    const event = sampleEvent()

    const delivered = instance.deliver(event)
    await instance.close?.()

    expect((await readLines(path)).map((line) => JSON.parse(line).id)).toEqual([event.id])
    await delivered
  })

  it('refuses deliveries after close', async () => {
    const dir = await tempDir()
    const instance = await start({ path: join(dir, 'callbacks.jsonl') })
    await instance.close?.()

    await expect(instance.deliver(sampleEvent())).rejects.toThrow('closed')
  })

  it('rejects unknown options', async () => {
    await expect(setupPlugin(fileLogger, { path: '/tmp/x.jsonl', rotation: 'daily' })).rejects.toThrow('rotation')
  })
})
