/**
 * The peer address of a request, recorded by the runtime layer (Bun's server.requestIP,
 * Deno's info.remoteAddr) before the request reaches the app, which only sees a Request.
 */
const addresses = new WeakMap<Request, string>()

export function setClientAddress(request: Request, address: string | undefined): void {
  if (address) addresses.set(request, address)
}

export function clientAddress(request: Request): string | undefined {
  return addresses.get(request)
}
