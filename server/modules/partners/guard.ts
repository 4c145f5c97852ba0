import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Db } from '../../db/index.js';
import { type AppError, Unauthorized } from '../../http/errors.js';
import { rememberActor, withAudit } from '../audit/denied.js';
import type { AuditActor } from '../audit/service.js';
import { type ClientRules, partnerActor } from './client-rules.js';
import type { PartnerTokens } from './credentials.js';
import type { Scope } from './scopes.js';
import type { PartnerStore } from './store.js';

/** Who is calling: set on `request.partner` by `partners.guard(scope)`. */
export interface PartnerCaller {
  clientId: string;
  /** The client's registered name: the organisation citizens see in their access log. */
  name: string;
  /** The scopes this call may use: held by the token and still granted to the client. */
  scopes: Scope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    partner?: PartnerCaller;
  }
}

export type PartnerPreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{0,512})$/;

export { partnerActor } from './client-rules.js';

/** The caller set by the guard; routes behind `guard(scope)` always have one. */
export function partnerOf(request: FastifyRequest): PartnerCaller {
  if (!request.partner) throw new Unauthorized('A partner token is required.', 'token-missing');
  return request.partner;
}

/**
 * The one partner guard. Every partner route has `preHandler: partners.guard(scope)`, and
 * each call is checked in this order, before any data is touched: the token is valid and
 * unexpired (and issued under the client's current secret); then the client rules shared
 * with registered apps' x-api-key (client-rules.ts): the kill switch, the client is neither
 * revoked nor suspended, the real client address (request.ip: X-Forwarded-For counts only
 * from TRUST_PROXY) is inside the allow-list, the scope is granted, the per-minute and
 * per-day quotas have room. Each refusal is audited against the client.
 */
export function createPartnerGuard({
  db,
  store,
  tokens,
  rules,
}: {
  db: Db;
  store: PartnerStore;
  tokens: PartnerTokens;
  /** The client rules shared with the app-key guard: kill switch, status, allow-list, scope, quotas. */
  rules: ClientRules;
}) {
  const made = new Map<string, PartnerPreHandler>();

  /** The preHandler of routes that need one of `needed` (a route may then narrow further). */
  function guard(...needed: [Scope, ...Scope[]]): PartnerPreHandler {
    const scope = needed.join(' ');
    const existing = made.get(scope);
    if (existing) return existing;
    const handler: PartnerPreHandler = async (request, reply) => {
      const route = request.routeOptions.url ?? null;
      const refuse = <E extends AppError>(error: E, reason: string, actor: AuditActor): E =>
        withAudit(error, {
          actor,
          action: 'partner.call',
          outcome: 'denied',
          reason,
          details: { route, scope },
        });

      const header = request.headers.authorization;
      const anonymous: AuditActor = { type: 'anonymous' };
      // RFC 6750 §3: a 401 says which scheme and scope would do.
      const challenge = () =>
        void reply.header('www-authenticate', `Bearer realm="teeka-partner", scope="${scope}"`);
      if (header === undefined) {
        challenge();
        throw new Unauthorized('A partner access token is required.', 'token-missing');
      }
      const token = BEARER.exec(header)?.[1];
      const claims = token ? await tokens.verify(token) : 'invalid';
      if (claims === 'expired' || claims === 'invalid') {
        challenge();
        throw refuse(
          new Unauthorized(
            claims === 'expired'
              ? 'The partner access token has expired; get a new one.'
              : 'The partner access token is not valid.',
            claims === 'expired' ? 'token-expired' : 'token-invalid',
          ),
          `token-${claims}`,
          anonymous,
        );
      }
      rememberActor(request, { type: 'partner', id: claims.clientId });
      const client = await store.client(db, claims.clientId);
      const actor: AuditActor = client
        ? partnerActor({ clientId: client.client_id, name: client.name })
        : { type: 'partner', id: claims.clientId };
      if (!client || client.kind !== 'partner' || client.secret_generation !== claims.generation) {
        challenge();
        throw refuse(
          new Unauthorized('The partner access token is not valid.', 'token-invalid'),
          'token-superseded',
          actor,
        );
      }
      const scopes = await rules(request, client, { needed, held: claims.scopes, refuse });
      request.partner = { clientId: client.client_id, name: client.name, scopes };
    };
    made.set(scope, handler);
    return handler;
  }

  return {
    guard,
    /** Every preHandler made so far: the app marks their routes as partner-secured. */
    made: () => [...made.values()],
  };
}

export type PartnerGuard = ReturnType<typeof createPartnerGuard>;
