/**
 * The operator console in a real headless Chromium (Debian's, driven by playwright-core), against
 * a real gateway process with real sinks: log in with the token, search for a RoomId sent moments
 * before, open the event and see both deliveries, replay its dead letter with a click and see it
 * delivered. Each page is kept as a screenshot in .artifacts/console/ (CONSOLE_SCREENSHOTS
 * elsewhere). Chromium missing: with CI=true a failure, elsewhere a skip with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { REPO, tempDir, tencentQuery } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink, type Sink } from '../helpers/sinks.ts'

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path) => path && existsSync(path),
)
if (!CHROMIUM) {
  const reason = 'Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)'
  if (process.env.CI === 'true') throw new Error(`${reason} and CI=true, so this is a failure, not a skip`)
  console.warn(`skipping the console browser test: ${reason}`)
}
const describeBrowser = CHROMIUM ? describe : describe.skip

const TOKEN = 'console-token-0123456789'
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? join(REPO, '.artifacts/console')
const room = `room-${Date.now().toString(36)}`

describeBrowser('operator console in Chromium', () => {
  let server: ServerProcess
  let crm: Sink
  let erp: Sink
  let browser: Browser
  let page: Page
  let adminUrl = ''
  /** The event page's address, once found. */
  let eventUrl = ''

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    crm = startSink()
    erp = startSink(() => new Response('rejected', { status: 422 }))
    const dir = tempDir('console-')
    const config = join(dir, 'config.yaml')
    writeFileSync(
      config,
      `server: { hostname: 127.0.0.1, port: 0 }
tencent: { apps: [{ name: live-prod, sdkAppId: 1400000000 }] }
store: { path: ./data/gateway.db }
admin: { port: 0, token: ${TOKEN} }
plugins:
  crm: { use: http-sync, options: { url: "${crm.url}/rooms" } }
  erp: { use: http-sync, options: { url: "${erp.url}/erp" }, retry: { maxAttempts: 1 } }
routes:
  - match: Live.*
    to: [crm, erp]
`,
    )
    server = await startServer(config)
    for (let i = 0; i < 100 && !/admin console listening/.test(server.output()); i++) await Bun.sleep(50)
    adminUrl = /"msg":"admin console listening".*?"url":"(http:\/\/[^"]+)"/.exec(server.output())![1]!
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  })

  afterAll(async () => {
    await browser?.close()
    server?.kill()
    await server?.exited
    await crm?.close()
    await erp?.close()
  })

  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })

  it('logs in with the token, and refuses a wrong one', async () => {
    await page.goto(adminUrl)
    await page.locator('#token').fill('not-the-token-at-all')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect(page.locator('#login-error')).toBeTruthy()
    await page.waitForSelector('#login-error:has-text("not accepted")')
    await shot('1-login-refused')
    await page.locator('#token').fill(TOKEN)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForSelector('h1:has-text("Overview")')
    await page.waitForSelector('#queues')
    expect(await page.locator('#queues tbody tr').allInnerTexts()).toEqual([expect.stringContaining('crm'), expect.stringContaining('erp')])
    await shot('2-overview')
  })

  it('finds the event by the RoomId sent moments before, and shows both deliveries', async () => {
    // An operator id above 2^53, and a custom field named like the API's own: both shown exactly.
    const body = `{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":144115212826557295,"RoomId":"${room}","EventType":"DestroyByUser","EventTime":${Date.now()},"Ext":{"payload":"x"}}`
    const res = await fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body })
    expect(res.status).toBe(200)
    await crm.waitFor(1)
    await erp.waitFor(1)
    await page.getByRole('link', { name: 'Events' }).click()
    await page.waitForSelector('#filters')
    // The dead letter is recorded a moment after the sink answered: search until both show.
    for (let i = 0; i < 50; i++) {
      await page.locator('input[name=q]').fill(room)
      await page.getByRole('button', { name: 'Search' }).click()
      await page.waitForSelector('#events')
      if ((await page.locator('#events tbody').innerText()).includes('erp: dead')) break
      await Bun.sleep(100)
    }
    const rows = page.locator('#events tbody tr')
    expect(await rows.count()).toBe(1)
    expect(await rows.first().innerText()).toContain('crm: done')
    expect(await rows.first().innerText()).toContain('erp: dead')
    await shot('3-events-search')
    await rows.first().locator('a').click()
    await page.waitForSelector('#payload')
    eventUrl = page.url()
    const payload = await page.locator('#payload').innerText()
    expect(payload).toContain(`"RoomId": "${room}"`)
    expect(payload).toContain('"Operator_Account": 144115212826557295')
    expect(payload).toContain('"payload": "x"')
    const deliveries = page.locator('section.delivery')
    expect(await deliveries.count()).toBe(2)
    expect(await page.locator('section.delivery[data-plugin=crm]').innerText()).toMatch(/done in \d+ ms/)
    expect(await page.locator('section.delivery[data-plugin=erp]').innerText()).toContain('422')
    await shot('4-event')
  })

  it('replays the dead letter with a click, and it is delivered', async () => {
    erp.respond = () => new Response('ok')
    const before = erp.requests.length
    await page.getByRole('link', { name: 'Dead letters' }).click()
    await page.waitForSelector('#dead-letters')
    expect(await page.locator('#dead-letters tbody tr').count()).toBe(1)
    await shot('5-dead-letters')
    await page.locator('#dead-letters tbody tr button', { hasText: 'Replay' }).click()
    await erp.waitFor(before + 1)
    await page.waitForSelector('text=No dead letters.')
    await page.locator('#dead-letters').waitFor()
    // Back on the event: the erp delivery is done now, after its dead attempt (its outcome is
    // recorded a moment after the sink answered).
    const erpBadge = page.locator('section.delivery[data-plugin=erp] .badge')
    for (let i = 0; i < 50; i++) {
      await page.goto(eventUrl)
      await page.reload()
      await page.waitForSelector('section.delivery[data-plugin=erp]')
      if ((await erpBadge.innerText()).includes('done')) break
      await Bun.sleep(100)
    }
    const erpSection = await page.locator('section.delivery[data-plugin=erp]').innerText()
    expect(erpSection).toContain('done')
    expect(erpSection).toMatch(/dead in \d+ ms[\s\S]*done in \d+ ms/)
    await shot('6-event-after-replay')
    // The overview counts them: one callback, two deliveries done, one dead.
    await page.getByRole('link', { name: 'Overview' }).click()
    await page.waitForSelector('#queues')
    expect(await page.locator('main p.muted').innerText()).toBe('Last hour: 1 callbacks; deliveries 2 done, 0 retried, 1 dead.')
    await shot('7-overview-after')
  })

  it('is served on its own port only, and never logs the token', async () => {
    const callbackOrigin = new URL(server.url).origin
    expect(new URL(adminUrl).port).not.toBe(new URL(server.url).port)
    for (const path of ['/', '/console.js', '/api/events', '/api/stats']) {
      const res = await fetch(`${callbackOrigin}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      expect(res.status).toBe(404)
    }
    expect((await fetch(`${adminUrl}api/stats`)).status).toBe(401)
    expect((await fetch(`${adminUrl}api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect(server.output()).toContain('admin console listening')
    expect(server.output()).not.toContain(TOKEN)
  })

  it('reads on a phone', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true })
    await phone.goto(adminUrl)
    await phone.locator('#token').fill(TOKEN)
    await phone.getByRole('button', { name: 'Log in' }).click()
    await phone.waitForSelector('#queues')
    await phone.goto(`${adminUrl}#/events?q=${room}`)
    await phone.waitForSelector('#events tbody tr')
    await shot('8-events-phone', phone)
    // Nothing wider than the screen: no sideways scrolling of the page.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await phone.goto(eventUrl)
    await phone.waitForSelector('#payload')
    await shot('9-event-phone', phone)
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await phone.close()
  })
})
