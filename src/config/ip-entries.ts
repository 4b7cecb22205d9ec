/**
 * `server.allowIps` and `server.trustProxy` entries: single IPs and CIDRs (IPv4 and IPv6).
 * Checked when the config loads; ingress/allow-list.ts compiles the entries that passed.
 */
import { isIP } from 'node:net'

/** Why an entry cannot be used, or undefined when it is a valid IP or CIDR. */
export function allowEntryProblem(entry: string): string | undefined {
  const [ip, bits, extra] = entry.trim().split('/')
  const family = isIP(ip ?? '')
  if (!family || extra !== undefined) return `"${entry}" is not an IP address or CIDR`
  if (bits === undefined) return undefined
  const max = family === 4 ? 32 : 128
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${entry}" has a prefix length outside 0..${max}`
  return undefined
}
