import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Db } from '../../db/index.js';
import { addressList } from '../../http/address-list.js';
import { type AppError, Forbidden, RateLimited, Unauthorized } from '../../http/errors.js';
import type { Limits } from '../../platform/limits.js';
import { rememberActor, withAudit } from '../audit/denied.js';
import type { AuditActor } from '../audit/service.js';
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

export const partnerActor = (caller: Pick<PartnerCaller, 'clientId' | 'name'>): AuditActor => ({
  type: 'partner',
  id: caller.clientId,
  organisation: caller.name,
});

/** The caller set by the guard; routes behind `guard(scope)` always have one. */
export function partnerOf(request: FastifyRequest): PartnerCaller {
  if (!request.partner) throw new Unauthorized('A partner token is required.', 'token-missing');
  return request.partner;
}

/**
 * The one partner guard. Every partner route has `preHandler: partners.guard(scope)`, and
 * each call is checked in this order, before any data is touched: the token is valid and
 * unexpired (and issued under the client's current secret); the client is neither revoked
 * nor suspended; the real client address (request.ip: X-Forwarded-For counts only from
 * TRUST_PROXY) is inside the client's allow-list; the scope is granted; the per-minute and
 * per-day quotas have room. Each refusal is audited against the client.
 */
export function createPartnerGuard({
  db,
  store,
  tokens,
  limits,
  assertOpen,
}: {
  db: Db;
  store: PartnerStore;
  tokens: PartnerTokens;
  limits: Limits;
  /** The kill switch: throws 503 when every partner API, this client or this scope is off. */
  assertOpen: (call: { surface: 'partners'; clientId: string; scope: Scope }) => void;
}) {
  const lists = new Map<string, ReturnType<typeof addressList>>();
  const allowListOf = (entries: string[]) => {
    const key = entries.join(',');
    let list = lists.get(key);
    if (!list) {
      if (lists.size > 10_000) lists.clear();
      list = addressList(entries);
      lists.set(key, list);
    }
    return list;
  };
  // The quota is part of the rule's name, so a changed quota starts a fresh count.
  const quota = (clientId: string, per: 'minute' | 'day', points: number) =>
    limits.limiter({
      name: `partner-quota-${per}:${clientId}:${points}`,
      points,
      durationSeconds: per === 'minute' ? 60 : 86_400,
    });

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
      // Before any data is read: a switch may have turned off this client, the scope this
      // call uses, or every partner API at once.
      assertOpen({
        surface: 'partners',
        clientId: claims.clientId,
        scope: needed.find((s) => claims.scopes.includes(s)) ?? needed[0],
      });

      const client = await store.client(db, claims.clientId);
      const actor: AuditActor = client
        ? partnerActor({ clientId: client.client_id, name: client.name })
        : { type: 'partner', id: claims.clientId };
      if (!client || client.secret_generation !== claims.generation) {
        challenge();
        throw refuse(
          new Unauthorized('The partner access token is not valid.', 'token-invalid'),
          'token-superseded',
          actor,
        );
      }
      if (client.status !== 'active') {
        throw refuse(
          new Forbidden(
            client.status === 'suspended'
              ? 'This partner client is suspended; its administrators have been alerted.'
              : 'This partner client has been revoked.',
            `partner-${client.status}`,
          ),
          `client-${client.status}`,
          actor,
        );
      }
      if (!allowListOf(client.allow_list).check(request.ip)) {
        throw refuse(
          new Forbidden(
            'This address is not in the client’s allow-list.',
            'partner-address-not-allowed',
          ),
          'outside-allow-list',
          actor,
        );
      }
      const scopes = claims.scopes.filter((s) => client.scopes.includes(s));
      if (!needed.some((s) => scopes.includes(s))) {
        throw refuse(
          new Forbidden(`This call needs the scope ${needed.join(' or ')}.`, 'insufficient-scope'),
          'scope-not-granted',
          actor,
        );
      }
      for (const [per, points] of [
        ['minute', client.per_minute],
        ['day', client.per_day],
      ] as const) {
        const decision = await quota(client.client_id, per, points).consume(client.client_id);
        if (!decision.allowed) {
          throw refuse(
            new RateLimited(
              decision.retryAfterSeconds,
              `The client’s quota per ${per} is spent; try again later.`,
              'partner-quota',
            ),
            `quota-${per}`,
            actor,
          );
        }
      }
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
