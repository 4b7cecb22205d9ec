/** The plugin host: setup in order under a timeout, failures close what was set up, reverse close. */
import { describe, expect, it } from 'bun:test'
import type { PluginInstanceSpec } from '../../src/config/instances.ts'
import { silentLogger } from '../../src/log.ts'
import { definePlugin } from '../../src/plugin.ts'
import { closePlugins, setUpPlugins } from '../../src/plugin-host/host.ts'
import { tempDir } from '../helpers/gateway.ts'

function spec(id: string, setup: () => unknown, journal: string[]): PluginInstanceSpec {
  return {
    id,
    use: id,
    enabled: true,
    options: {},
    retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
    concurrency: 1,
    definition: definePlugin({
      name: id,
      setup: async () => {
        journal.push(`setup ${id}`)
        await setup()
        return { deliver: async () => {}, close: () => void journal.push(`close ${id}`) }
      },
    }),
  }
}

const options = () => ({ logger: silentLogger, configDir: tempDir(), dataDir: tempDir(), signal: new AbortController().signal, setupTimeoutMs: 200 })

describe('plugin host', () => {
  it('sets up in config order and closes in reverse', async () => {
    const journal: string[] = []
    const running = await setUpPlugins([spec('a', () => {}, journal), spec('b', () => {}, journal), spec('c', () => {}, journal)], options())
    await closePlugins(running, silentLogger)
    expect(journal).toEqual(['setup a', 'setup b', 'setup c', 'close c', 'close b', 'close a'])
  })

  it('cuts off a setup that hangs, names the instance, and closes those already set up', async () => {
    const journal: string[] = []
    const hanging = spec('stuck', () => new Promise(() => {}), journal)
    const promise = setUpPlugins([spec('a', () => {}, journal), hanging, spec('never', () => {}, journal)], options())
    await expect(promise).rejects.toThrow('plugin instance "stuck" (stuck) failed to set up: setup of plugin instance "stuck" did not finish within 200 ms')
    expect(journal).toEqual(['setup a', 'setup stuck', 'close a'])
  })

  it('reports a setup that throws', async () => {
    const journal: string[] = []
    const failing = spec(
      'bad',
      () => {
        throw new Error('cannot reach the CRM')
      },
      journal,
    )
    await expect(setUpPlugins([failing], options())).rejects.toThrow('cannot reach the CRM')
  })
})
