import type { FastifyRequest } from 'fastify';

import { addressList } from '../../http/address-list.js';
import { type AppError, Forbidden, RateLimited } from '../../http/errors.js';
import type { Limits } from '../../platform/limits.js';
import type { AuditActor } from '../audit/service.js';
import type { Scope } from './scopes.js';
import type { ClientKind, ClientStatus } from './tables.js';

/** What the rules read of a client: its row as the store returns it. */
export interface RuledClient {
  client_id: string;
  name: string;
  kind: ClientKind;
  status: ClientStatus;
  scopes: Scope[];
  allow_list: string[];
  per_minute: number;
  per_day: number;
}

export const partnerActor = (caller: { clientId: string; name: string }): AuditActor => ({
  type: 'partner',
  id: caller.clientId,
  organisation: caller.name,
});

/** Turns a refusal into the audited error the guard throws (it names route and scope). */
export type Refuse = <E extends AppError>(error: E, reason: string, actor: AuditActor) => E;

/**
 * The rules every call of an identified client passes, whether it proved itself with a
 * partner token or an app's API key, in this order: the kill switch (every partner API,
 * this client, the scope), the client is active, the real address (request.ip) is in the
 * allow-list (an app with an empty list is allowed from anywhere; a partner's list is never
 * empty), a needed scope is held and granted, the per-minute then per-day quota has room.
 * Returns the scopes the call may use.
 */
export function createClientRules({
  limits,
  assertOpen,
}: {
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

  return async function enforce(
    request: FastifyRequest,
    client: RuledClient,
    {
      needed,
      held,
      refuse,
    }: {
      needed: readonly [Scope, ...Scope[]];
      /** The scopes the credential carries (a token may be narrower than the client). */
      held: readonly Scope[];
      refuse: Refuse;
    },
  ): Promise<Scope[]> {
    const actor = partnerActor({ clientId: client.client_id, name: client.name });
    assertOpen({
      surface: 'partners',
      clientId: client.client_id,
      scope: needed.find((s) => held.includes(s)) ?? needed[0],
    });
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
    if (client.allow_list.length > 0 && !allowListOf(client.allow_list).check(request.ip)) {
      throw refuse(
        new Forbidden(
          'This address is not in the client’s allow-list.',
          'partner-address-not-allowed',
        ),
        'outside-allow-list',
        actor,
      );
    }
    const scopes = held.filter((s) => client.scopes.includes(s));
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
    return scopes;
  };
}

export type ClientRules = ReturnType<typeof createClientRules>;
