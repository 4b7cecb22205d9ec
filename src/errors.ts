/**
 * One error type with a code and a status, and a few subclasses. Expected rejections of a
 * callback are answers, not exceptions (see tencent/response.ts).
 */
export class GatewayError extends Error {
  override name = 'GatewayError'
  constructor(
    message: string,
    readonly code: string,
    /** An HTTP status where the error is answered over HTTP (503 for the store); for the CLI, 2 means bad arguments or config and anything else exits 1. */
    readonly status = 500,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** The config (or the command line) is wrong: every problem is listed; the CLI exits 2. */
export class ConfigError extends GatewayError {
  override name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`invalid config:\n  - ${problems.join('\n  - ')}`, 'CONFIG_INVALID', 2)
  }
}

/** The store could not commit; callers answer 503 and never 200. */
export class StoreUnavailableError extends GatewayError {
  override name = 'StoreUnavailableError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'STORE_UNAVAILABLE', 503, options)
  }
}

/** A plugin failed to load or set up. */
export class PluginError extends GatewayError {
  override name = 'PluginError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PLUGIN_FAILED', 500, options)
  }
}
