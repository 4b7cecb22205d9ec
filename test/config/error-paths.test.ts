/**
 * A config problem is named once, at the place in the file where the user wrote it: a base
 * key at its base path, an overlay key under `environments.<name>`, an environment variable
 * override by the variable's name. Overlays are deep-merged over the base, so the merged
 * tree alone cannot say where a value came from.
 */
import { describe, expect, it } from 'bun:test'
import { loadConfig } from '../../src/config/load.ts'
import { configProblems, writeConfigFile } from '../helpers/config.ts'

const problems = configProblems

const BASE = `
tencent:
  sdkAppId: 1400000000
plugins:
  crm:
    use: http-sync
    options: { url: "http://127.0.0.1:9/sync" }
routes:
  - match: "*"
    to: [crm]
`

describe('unknown keys are reported once, where they were written', () => {
  const withEnvironments = (base: string) =>
    `${base}environments:\n  production:\n    server: { port: 8443 }\n  staging:\n    server: { hostname: 127.0.0.1 }\n`

  it('a top-level base typo is named at its base path only, not again per environment', async () => {
    const yaml = withEnvironments(`${BASE}dedupWindowSecs: 5\n`)
    const expected = ['dedupWindowSecs: unknown key "dedupWindowSecs"; did you mean "dedupWindowSeconds"?']
    expect(await problems(yaml)).toEqual(expected)
    expect(await problems(yaml, { environment: 'production' })).toEqual(expected)
  })

  it('a typo in a base plugin instance is named at plugins.<id>, not under an environment', async () => {
    const yaml = withEnvironments(BASE.replace('    options: { url', '    optons: { x: 1 }\n    options: { url'))
    const expected = ['plugins.crm.optons: unknown key "optons"; did you mean "options"?']
    expect(await problems(yaml)).toEqual(expected)
    expect(await problems(yaml, { environment: 'staging' })).toEqual(expected)
  })

  it('a typo in an overlay is named under that environment, selected or not', async () => {
    const yaml = `${BASE}environments:\n  production:\n    server: { prot: 8443 }\n    plugins:\n      crm: { retyr: { maxAttempts: 3 } }\n  staging: {}\n`
    const expected = [
      'environments.production.server.prot: unknown key "prot"; did you mean "port"?',
      'environments.production.plugins.crm.retyr: unknown key "retyr"; did you mean "retry"?',
    ]
    expect(await problems(yaml)).toEqual(expected)
    expect(await problems(yaml, { environment: 'production' })).toEqual(expected)
    expect(await problems(yaml, { environment: 'staging' })).toEqual(expected)
  })
})

describe('instances that are disabled, and empty environments', () => {
  const DISABLED = `
tencent:
  sdkAppId: 1400000000
plugins:
  off:
    use: file-logger
    enabled: false
    retyr: {}
    options: { path: ./x.log }
routes:
  - match: "*"
    to: [off]
environments:
  dev: ~
  production:
    plugins:
      off: { enabled: true }
`
  it('a disabled instance is not validated, its keys included; enabled by an overlay, its typo is named at the base', async () => {
    expect(await problems(DISABLED)).toEqual([])
    expect(await problems(DISABLED, { environment: 'production' })).toEqual(['plugins.off.retyr: unknown key "retyr"; did you mean "retry"?'])
  })

  it('an environment left empty is an empty overlay, selected or not', async () => {
    expect(await problems(DISABLED, { environment: 'dev' })).toEqual([])
  })
})

describe('value problems of the selected environment', () => {
  it('name the overlay when the overlay wrote the value, and the base when the base did', async () => {
    const yaml = `${BASE}server: { readTimeoutMs: soon }\nenvironments:\n  production:\n    server: { port: high }\n    plugins:\n      crm: { options: { timeoutMs: later } }\n`
    const list = await problems(yaml, { environment: 'production' })
    expect(list).toContain('server.readTimeoutMs: Expected integer')
    expect(list).toContain('environments.production.server.port: Expected integer')
    expect(list.some((p) => p.startsWith('environments.production.plugins.crm.options.timeoutMs: '))).toBe(true)
    expect(list).toHaveLength(3)
  })

  it('name a list the overlay replaced under the overlay, a plugin id with dots included', async () => {
    const yaml = `${BASE.replaceAll('crm', 'crm.eu')}environments:\n  production:\n    routes:\n      - match: "*"\n        to: [crm.us]\n`
    expect(await problems(yaml, { environment: 'production' })).toEqual([
      'environments.production.routes[0].to[0]: unknown plugin instance "crm.us"; did you mean "crm.eu"?',
    ])
  })
})

describe('PORT and LOG_LEVEL', () => {
  it('a bad PORT is named PORT with the value given, not server.port', async () => {
    expect(await problems(BASE, { env: { PORT: 'abc' } })).toEqual(['PORT: "abc" is not a port number (1-65535, or 0 for any free port)'])
    expect(await problems(BASE, { env: { PORT: '70000' } })).toEqual(['PORT: "70000" is not a port number (1-65535, or 0 for any free port)'])
    // A good one still wins over the file.
    const loaded = await loadConfig({ path: writeConfigFile(`${BASE}server: { port: 8080 }\n`), env: { PORT: '0' } })
    expect(loaded.config.server.port).toBe(0)
  })

  it('a bad LOG_LEVEL is named LOG_LEVEL, not log.level', async () => {
    expect(await problems(BASE, { env: { LOG_LEVEL: 'verbose' } })).toEqual(['LOG_LEVEL: "verbose" is not a log level (debug, info, warn or error)'])
  })
})
