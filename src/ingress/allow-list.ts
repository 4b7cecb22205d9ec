/**
 * `server.allowIps` and the proxy list of `server.trustProxy`: single IPs and CIDRs (IPv4 and
 * IPv6), compiled once per config load or reload and matched with node:net's BlockList,
 * which Bun and Deno both provide. Tencent publishes no static egress list; operators fetch
 * it with `ConfigSvc/GetIPList` (docs/design.md §8.5), which mixes single IPs and CIDRs.
 */
import { BlockList, isIP } from 'node:net'

export interface AllowList {
  allows(address: string | undefined): boolean
}

/** Undefined when the list is empty: everyone is allowed. Entries must have passed allowEntryProblem (config/ip-entries.ts). */
export function compileAllowList(entries: readonly string[]): AllowList | undefined {
  if (entries.length === 0) return undefined
  const list = new BlockList()
  for (const entry of entries) {
    const [ip, bits] = entry.trim().split('/')
    const type = isIP(ip!) === 4 ? 'ipv4' : 'ipv6'
    if (bits === undefined) list.addAddress(ip!, type)
    else list.addSubnet(ip!, Number(bits), type)
  }
  return {
    allows(address) {
      if (!address) return false
      const family = isIP(address)
      if (!family) return false
      // BlockList matches an IPv4-mapped IPv6 peer (::ffff:1.2.3.4) against IPv4 rules too.
      return list.check(address, family === 4 ? 'ipv4' : 'ipv6')
    },
  }
}

/**
 * `server.trustProxy` compiled once per config load or reload: `false` (use the peer), `true`
 * (the right-most X-Forwarded-For entry, whoever the peer is), or the proxies you run.
 */
export type ProxyTrust = boolean | AllowList

/** Entries must have passed allowEntryProblem (config/ip-entries.ts). An empty list trusts no proxy, like `false`. */
export function compileProxyTrust(setting: boolean | readonly string[]): ProxyTrust {
  if (typeof setting === 'boolean') return setting
  return compileAllowList(setting) ?? false
}

/**
 * The caller's address. With a list of proxies, X-Forwarded-For counts only when the peer is
 * one of them; it is then walked right to left past every trusted hop, and the first untrusted
 * hop is the caller (the left-most when all are trusted). Entries further left were written by
 * the client and prove nothing. With `true`, the right-most entry, whoever sent the request.
 */
export function callerAddress(peer: string | undefined, forwardedFor: string | null, trust: ProxyTrust): string | undefined {
  if (trust === false || !forwardedFor) return peer
  if (trust !== true && !trust.allows(peer)) return peer
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
  if (trust === true) return hops.at(-1) ?? peer
  for (let i = hops.length - 1; i > 0; i--) {
    if (!trust.allows(hops[i])) return hops[i]
  }
  return hops[0] ?? peer
}
