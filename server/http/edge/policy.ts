/**
 * The firewall's limits, in one place. Routes tighten or loosen them through their
 * Fastify route options:
 *
 *   app.post('/x', { bodyLimit: 65_536, config: { firewall: { maxArrayLength: 1000 } }, schema }, h)
 *
 * `bodyLimit` is Fastify's own per-route option (TEEKA_BODY_LIMIT is the default).
 */
export interface RouteFirewall {
  /** Media types the body may have. Default: application/json when the route has a body schema. */
  contentTypes?: string[];
  maxDepth?: number;
  maxArrayLength?: number;
  /**
   * Fields that attack-pattern screening leaves alone, as `body.a.b`, `query.q` or `params.id`
   * (free text that legitimately holds code, say). Structural checks still apply to them.
   */
  unscreenedFields?: string[];
  /** false: no attack-pattern screening on this route at all. */
  screen?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    firewall?: RouteFirewall;
  }
}

export const EDGE_LIMITS = {
  maxUrlLength: 2048,
  maxHeaderCount: 64,
  /** Bytes of all header names and values together; Node refuses beyond maxHeaderSize itself. */
  maxHeaderBytes: 8192,
  maxDepth: 8,
  maxArrayLength: 256,
  /** How often Node looks for connections past headersTimeout/requestTimeout (its default is 30 s). */
  connectionsCheckingIntervalMs: 1000,
  /** Requests one keep-alive connection may carry before it must reconnect (spreads load across nodes). */
  maxRequestsPerSocket: 1000,
};

/**
 * Secrets are never screened: a strong password may well contain `' OR 1=1 --`, and
 * refusing it would both weaken passwords and put a secret's shape in a log line.
 */
export const NEVER_SCREENED_KEY = /pass(word|phrase)|secret|^otp$|^totp$|token/i;
