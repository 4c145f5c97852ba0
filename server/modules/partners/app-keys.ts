import type { FastifyRequest } from 'fastify';

import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { type AppError, Unauthorized } from '../../http/errors.js';
import { rememberActor, withAudit } from '../audit/denied.js';
import type { AuditActor } from '../audit/service.js';
import { type ClientRules, partnerActor } from './client-rules.js';
import { API_KEY, apiKeyHash, secretMatches } from './credentials.js';
import { APP_SCOPES, type AppScope, type Scope } from './scopes.js';
import type { PartnerStore } from './store.js';

/** The registered app behind a request's `x-api-key`, once every client rule has passed. */
export interface AppCaller {
  clientId: string;
  name: string;
  /** The id of the key it used: citizen tokens obtained through the app are bound to it. */
  keyId: string;
  scopes: Scope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    registeredApp?: AppCaller;
  }
}

export type AppPreHandler = (request: FastifyRequest) => Promise<void>;

/**
 * The x-api-key guard of registered apps (CoWIN v2's protected API). The key is matched in
 * constant time against its keyed hash (an unknown key id against noise), then the same
 * client rules as a partner token pass: kill switch, status, allow-list (optional for
 * apps), scope, quotas. A missing key is 401 `api-key-missing`; a malformed, unknown,
 * wrong, rotated-away or revoked one is 401 `api-key-invalid`, one answer for all so that
 * a caller learns nothing about which keys exist. Every refusal is audited.
 */
export function createAppKeyGuard({
  db,
  store,
  keys,
  rules,
}: {
  db: Db;
  store: PartnerStore;
  keys: KeyRing;
  rules: ClientRules;
}) {
  // One check per request and scope: a route may ask twice (its guard, then its handler).
  const checked = new WeakMap<FastifyRequest, Map<AppScope, Promise<AppCaller | undefined>>>();

  async function check(request: FastifyRequest, scope: AppScope): Promise<AppCaller | undefined> {
    const header = request.headers['x-api-key'];
    if (header === undefined) return undefined;
    const route = request.routeOptions.url ?? null;
    const refuse = <E extends AppError>(error: E, reason: string, actor: AuditActor): E =>
      withAudit(error, {
        actor,
        action: 'partner.app.call',
        outcome: 'denied',
        reason,
        details: { route, scope },
      });
    const given = typeof header === 'string' ? API_KEY.exec(header) : null;
    const keyId = given?.[1];
    const row = keyId ? await store.appByKeyId(db, keyId) : undefined;
    const candidate = apiKeyHash(keys, keyId ?? 'none', given?.[0] ?? '');
    const matches = secretMatches(row?.api_key_hash ?? undefined, candidate);
    if (!row || !keyId || !matches) {
      throw refuse(
        new Unauthorized('The x-api-key is not valid.', 'api-key-invalid'),
        !keyId ? 'api-key-malformed' : !row ? 'api-key-unknown' : 'api-key-wrong',
        row ? partnerActor({ clientId: row.client_id, name: row.name }) : { type: 'anonymous' },
      );
    }
    rememberActor(request, partnerActor({ clientId: row.client_id, name: row.name }));
    const scopes = await rules(request, row, { needed: [scope], held: row.scopes, refuse });
    const caller: AppCaller = { clientId: row.client_id, name: row.name, keyId, scopes };
    request.registeredApp = caller;
    return caller;
  }

  function appOf(request: FastifyRequest, scope: AppScope): Promise<AppCaller | undefined> {
    let byScope = checked.get(request);
    if (!byScope) {
      byScope = new Map();
      checked.set(request, byScope);
    }
    let result = byScope.get(scope);
    if (!result) {
      result = check(request, scope);
      byScope.set(scope, result);
    }
    return result;
  }

  // Made up front, so that the app knows them as guards (run before the body is read).
  const required = Object.fromEntries(
    APP_SCOPES.map((scope) => [
      scope,
      async (request: FastifyRequest) => {
        if (!(await appOf(request, scope))) {
          throw new Unauthorized(
            'This path needs a registered app’s x-api-key.',
            'api-key-missing',
          );
        }
      },
    ]),
  ) as Record<AppScope, AppPreHandler>;

  return {
    /** The app behind the request's x-api-key (rules checked), or undefined when none is sent. */
    appOf,
    /** The preHandler of a path that needs a registered app's key (CoWIN v2 protected paths). */
    require: (scope: AppScope): AppPreHandler => required[scope],
    preHandlers: Object.values(required),
  };
}

export type AppKeyGuard = ReturnType<typeof createAppKeyGuard>;
