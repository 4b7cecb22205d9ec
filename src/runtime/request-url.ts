/**
 * Keeps routing independent of the Host header. Elysia's router takes the path to start at
 * the first '/' from index 11 of request.url: it assumes an authority of at least 4
 * characters ("http://a.bc/"). With `Host: abc` or `Host: x` every route answered 404. The
 * runtimes also build request.url from a Host they do not always validate: Bun gives just
 * the request target when the Host is empty or invalid, Deno pastes the raw Host in, '/' and
 * '?' included.
 */

/**
 * `pathAt` is where the runtime put the request target in request.url. On a normal request
 * Elysia finds the same index, and the request passes through after two string scans; else
 * it is rebuilt with a URL whose authority Elysia reads correctly. Nothing in the gateway
 * reads the URL's host.
 */
export function routable(request: Request, pathAt: number): Request {
  const url = request.url
  if (pathAt < 0) return request
  // A '?' before the path would also start the query inside the Host.
  if (pathAt >= 11 && url.indexOf('/', 11) === pathAt && url.lastIndexOf('?', pathAt) === -1) return request
  // An explicit init, not `new Request(url, request)`: copying the signal makes Deno warn.
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: request.headers }
  if (request.body) {
    init.body = request.body
    init.duplex = 'half'
  }
  return new Request(`http://localhost${url.slice(pathAt)}`, init)
}

/** Bun: an absolute URL with the Host it validated (no '/', '?'), else the bare target. */
export function bunPathAt(url: string): number {
  return url.charCodeAt(0) === 47 ? 0 : url.indexOf('/', 7)
}

/**
 * Deno: "http://" + the raw Host + the target for an origin-form request, the absolute URI
 * (authority validated) for an absolute-form one, "http://localhost:<port>" + the target
 * when the Host is empty or missing.
 */
export function denoPathAt(url: string, host: string | null): number {
  if (host && url.startsWith(host, 7) && url.charCodeAt(7 + host.length) === 47) return 7 + host.length
  return url.indexOf('/', 7)
}
