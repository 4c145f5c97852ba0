import type { FastifyRequest } from 'fastify';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { Unauthorized } from '../../http/errors.js';
import type { AuditService } from '../audit/service.js';
import type { CitizenAuthStore } from './store.js';
import type { CitizenClaims, CitizenTokens } from './tokens.js';

/** Who is calling: the citizen's mobile reference and the token that proved it. */
export type Citizen = CitizenClaims;

export interface CitizenGuard {
  /**
   * The citizen behind `Authorization: Bearer <token>`, or 401 (`token-invalid`) for a
   * missing, malformed, forged, expired, wrong-audience or logged-out token. Call it first in
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
}: {
  db: Db;
  tokens: CitizenTokens;
  store: CitizenAuthStore;
  audit: AuditService;
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
    const header = request.headers.authorization;
    if (header === undefined)
      throw new Unauthorized('A citizen token is required.', 'token-missing');
    const match = BEARER.exec(header);
    if (!match?.[1]) throw await reject(request, 'malformed');
    const citizen = await tokens.verify(match[1]);
    if (!citizen) throw await reject(request, 'invalid');
    if (await store.isRevoked(db, citizen.tokenId)) throw await reject(request, 'revoked', citizen);
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
