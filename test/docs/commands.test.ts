/**
 * Every command the docs print works as printed. The commands are taken from the docs
 * themselves: every line of a fenced `sh` block in README.md, docs/, plugins/<name>/README.md
 * and examples/<name>/README.md, plus the README's command table. Each document's commands run
 * in order, in a copy of the repository as a fresh clone has it (tracked files only; the
 * installed node_modules shared), with a PATH that has no Bun or Deno on it, as a new user's
 * shell has. Syntax with placeholders belongs in `text` blocks, which are not run.
 *
 * Links are checked too: every relative link and #anchor between the documents resolves.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { REPO, tempDir, until } from '../helpers/gateway.ts'

const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...['plugins', 'examples'].flatMap((folder) =>
    readdirSync(join(REPO, folder))
      .filter((name) => existsSync(join(REPO, folder, name, 'README.md')))
      .map((name) => `${folder}/${name}/README.md`),
  ),
]

/** Printed, but not run here, with the reason. */
const NOT_RUN: Record<string, string> = {
  'npm install': 'the set-up command: CI runs npm ci before npm test, and the copy shares that node_modules',
  'npm test': 'the command that runs this test',
  'npm run bench': 'the benchmarks take several minutes and are not a test',
}
/** Commands that keep running: started in the background, stopped before the next one. */
const SERVERS = new Set(['npm start', 'npm run start:deno'])
/** What some commands must print, beyond exiting 0. */
const PRINTS: Record<string, string> = {
  'npm run send -- --url http://127.0.0.1:3000/callback': 'HTTP 200',
  'tail logs/callbacks.jsonl': '"command":"Live.CallbackAfterDestroyRoom"',
  'npm run validate': 'config OK',
  'npm run stats': 'audit-log',
  'npm run events -- list': 'Live.CallbackAfterDestroyRoom',
}

function shCommands(markdown: string): string[] {
  const commands: string[] = []
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    const lines = block[1]!.replace(/\\\n\s*/g, ' ').split('\n')
    for (const line of lines) {
      const command = line.replace(/\s+#.*$/, '').trim()
      if (command && !command.startsWith('#')) commands.push(command)
    }
  }
  return commands
}

/** The first column of the README's command table. */
function tableCommands(markdown: string): string[] {
  const section = /^## Commands\n([\s\S]*?)(?=^## )/m.exec(markdown)?.[1] ?? ''
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!)
}

/** A copy of what a fresh clone holds: the files git tracks (or would), with node_modules shared. */
function freshCopy(): string {
  const dir = join(tempDir('docs-commands-'), 'checkout')
  const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
  for (const file of files) {
    if (!existsSync(join(REPO, file))) continue
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    cpSync(join(REPO, file), join(dir, file))
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

/** A new user's PATH: npm and node, but no node_modules/.bin (so no bun or deno). */
const USER_PATH = (process.env.PATH ?? '')
  .split(':')
  .filter((entry) => !entry.includes('node_modules'))
  .join(':')
const env = { PATH: USER_PATH, HOME: process.env.HOME ?? '/root' }

interface Server {
  child: ChildProcess
  output: () => string
}
let server: Server | undefined
afterAll(() => stopServer())

function startServer(command: string, cwd: string): Server {
  // Its own process group: npm, the shell it runs and the gateway stop together.
  const child = spawn('bash', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (chunk) => (out += chunk))
  child.stderr!.on('data', (chunk) => (out += chunk))
  return { child, output: () => out }
}

async function stopServer(): Promise<void> {
  if (!server) return
  const { child } = server
  server = undefined
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(-child.pid!, 'SIGTERM')
  await exited
}

async function run(command: string, cwd: string): Promise<string> {
  // A person types the next command a moment later: a delivery still being written is retried.
  let last = ''
  for (let attempt = 0; attempt < 8; attempt++) {
    const result = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8', timeout: 90_000 })
    last = `exit ${result.status}\n${result.stdout}${result.stderr}`
    const wanted = PRINTS[command]
    if (result.status === 0 && (!wanted || result.stdout.includes(wanted))) return result.stdout
    await Bun.sleep(300)
  }
  throw new Error(`\`${command}\` did not work as printed:\n${last}`)
}

describe('commands printed in the docs', () => {
  for (const document of DOCUMENTS) {
    const markdown = readFileSync(join(REPO, document), 'utf8')
    const commands = shCommands(markdown)
    if (document === 'README.md') for (const command of tableCommands(markdown)) if (!commands.includes(command)) commands.push(command)
    // A page that prints only commands this suite cannot run (npm test) has nothing to run here.
    if (commands.every((command) => NOT_RUN[command])) continue
    it(`${document}: ${commands.length} commands work as printed`, async () => {
      const cwd = freshCopy()
      const ran: string[] = []
      for (const command of commands) {
        if (NOT_RUN[command]) continue
        if (SERVERS.has(command)) {
          await stopServer()
          const started = (server = startServer(command, cwd))
          await until(() => started.output().includes('"msg":"listening"') || started.child.exitCode !== null, 30_000, `\`${command}\` to listen`)
          expect(started.child.exitCode, `\`${command}\` exited:\n${started.output()}`).toBeNull()
        } else {
          await run(command, cwd)
        }
        ran.push(command)
      }
      await stopServer()
      expect(ran).toEqual(commands.filter((command) => !NOT_RUN[command]))
    }, 180_000)
  }

  it('the README prints the set-up commands and a command table', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
    expect(shCommands(readme).slice(0, 2)).toEqual(['npm install', 'npm start'])
    expect(tableCommands(readme)).toEqual(expect.arrayContaining(['npm start', 'npm run validate', 'npm run stats', 'npm test']))
  })
})

describe('links between the documents', () => {
  const slug = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-')
  const anchors = (path: string) =>
    new Set(
      [
        ...readFileSync(path, 'utf8')
          .replace(/^```[\s\S]*?^```/gm, '')
          .matchAll(/^#{1,6} (.*)$/gm),
      ].map((m) => slug(m[1]!)),
    )

  it('resolve to files and headings that exist', () => {
    const broken: string[] = []
    for (const document of DOCUMENTS) {
      const text = readFileSync(join(REPO, document), 'utf8').replace(/^```[\s\S]*?^```/gm, '')
      for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(link!)) continue
        const [path, anchor] = link!.split('#')
        const target = path ? normalize(join(REPO, dirname(document), path)) : join(REPO, document)
        if (!existsSync(target)) broken.push(`${document}: ${link} (no such file)`)
        else if (anchor && target.endsWith('.md') && !anchors(target).has(anchor)) broken.push(`${document}: ${link} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })
})
