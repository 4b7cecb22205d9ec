/**
 * The console's files (console/), shipped in the package and read once: no CDN, no build step,
 * so the console works offline.
 */
import { readFileSync } from 'node:fs'

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
}
const cache = new Map<string, string>()

export function consoleAsset(name: keyof typeof TYPES & string): Response {
  let text = cache.get(name)
  if (text === undefined) cache.set(name, (text = readFileSync(new URL(`./console/${name}`, import.meta.url), 'utf8')))
  return new Response(text, {
    headers: {
      'content-type': TYPES[name]!,
      // The page runs only its own script and style, and talks only to this origin.
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  })
}
