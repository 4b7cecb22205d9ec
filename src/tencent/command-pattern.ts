/** Command patterns of `routes[].match` (docs/design.md §3): `Live.*`, `*`, or an exact command. */

/** `*` matches any run of characters; everything else is literal. */
export function commandMatcher(pattern: string): (command: string) => boolean {
  if (pattern === '*') return () => true
  if (!pattern.includes('*')) return (command) => command === pattern
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  const regex = new RegExp(`^${source}$`)
  return (command) => regex.test(command)
}
