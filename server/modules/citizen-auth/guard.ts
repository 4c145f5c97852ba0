import type { FastifyRequest } from 'fastify';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { Unauthorized } from '../../http/errors.js';
import type { AuditService } from '../audit/service.js';
import type { LoginApp } from './service.js';
import type { CitizenAuthStore } from './store.js';
import type { AppBinding, CitizenClaims, CitizenTokens } from './tokens.js';

/** Who is calling: the citizen's mobile reference and the token that proved it. */
export type Citizen = CitizenClaims;

/** The registered app behind a call's `x-api-key`, as the partners module checks it. */
export interface AppKeys {
  /**
   * The app (every client rule passed: key, status, kill switch, allow-list, scope, quota),
   * undefined when the call sends no key; throws the refusal for a bad or refused key.
   */
  appOf(request: FastifyRequest, scope: 'citizen:self-service'): Promise<LoginApp | undefined>;
  /** A preHandler refusing a call without a key (401 `api-key-missing`), then `appOf`. */
  require(scope: 'citizen:self-service'): (request: FastifyRequest) => Promise<void>;
}

/** A token is the app's when it names the app and the very key the call presents. */
const sameApp = (bound: AppBinding | undefined, presented: AppBinding | undefined) =>
  bound === undefined
    ? presented === undefined
    : presented !== undefined &&
      bound.clientId === presented.clientId &&
      bound.keyId === presented.keyId;

export interface CitizenGuard {
  /**
   * The citizen behind `Authorization: Bearer <token>`, or 401 (`token-invalid`) for a
   * missing, malformed, forged, expired, wrong-audience or logged-out token, or one whose app
   * binding does not match the call's `x-api-key` (docs/cowin-v2.md). Call it first in
   * every citizen handler, then check that every id the request names belongs to
   * `citizen.mobileRef`. Safe to call twice: the first answer is kept for the request.
   */
  requireCitizen: (request: FastifyRequest) => Promise<Citizen>;
  /** The same as a route `preHandler`, for routes that want the check before the handler. */
  preHandler: (request: FastifyRequest) => Promise<void>;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{0,512})$/;

export function createCitizenGuard({
  db,
  tokens,
  store,
  audit,
  apps,
}: {
  db: Db;
  tokens: CitizenTokens;
  store: CitizenAuthStore;
  audit: AuditService;
  apps: AppKeys;
}): CitizenGuard {
  const established = new WeakMap<FastifyRequest, Citizen>();

  const reject = async (request: FastifyRequest, reason: string, citizen?: Citizen) => {
    await db.transaction().execute((tx) =>
      audit.record(
        tx,
        {
          actor: citizen ? { type: 'citizen', id: citizen.mobileRef } : { type: 'anonymous' },
          action: 'citizen.token.verify',
          outcome: 'denied',
          reason,
          details: { method: request.method, route: request.routeOptions.url ?? null },
        },
        requestContext(request),
      ),
    );
    return new Unauthorized('A valid citizen token is required.', 'token-invalid');
  };

  async function requireCitizen(request: FastifyRequest): Promise<Citizen> {
    const known = established.get(request);
    if (known) return known;
    // A call through a registered app shows its key first: a refused key ends it here.
    const app = await apps.appOf(request, 'citizen:self-service');
    const header = request.headers.authorization;
    if (header === undefined)
      throw new Unauthorized('A citizen token is required.', 'token-missing');
    const match = BEARER.exec(header);
    if (!match?.[1]) throw await reject(request, 'malformed');
    const citizen = await tokens.verify(match[1]);
    if (!citizen) throw await reject(request, 'invalid');
    if (await store.isRevoked(db, citizen.tokenId)) throw await reject(request, 'revoked', citizen);
    // A token obtained through an app works only with that app's current key, and only on
    // CoWIN's v2 paths; a key works only with a token obtained through it.
    if (!sameApp(citizen.app, app)) {
      throw await reject(request, citizen.app ? 'app-key-mismatch' : 'token-not-of-app', citizen);
    }
    if (citizen.app && !(request.routeOptions.url ?? '').startsWith('/api/v2/')) {
      throw await reject(request, 'app-token-outside-v2', citizen);
    }
    established.set(request, citizen);
    return citizen;
  }

  return {
    requireCitizen,
    async preHandler(request) {
      await requireCitizen(request);
    },
  };
}
