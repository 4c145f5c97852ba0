import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { addressList } from '../../http/address-list.js';
import { AppError } from '../../http/errors.js';
import type { Limits } from '../../platform/limits.js';
import { withAudit } from '../audit/denied.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  type PartnerTokens,
  secretHash,
  secretMatches,
} from './credentials.js';
import { type Scope, SCOPES } from './scopes.js';
import type { PartnerStore } from './store.js';

/** RFC 6749 §5.2 errors, as problem+json with `error` and `error_description` kept as members. */
export class OAuthProblem extends AppError {
  constructor(status: 400 | 401 | 403, error: string, description: string) {
    super(status, `oauth-${error.replaceAll('_', '-')}`, description, {
      members: { error, error_description: description },
    });
  }
}

const FAILURE_WINDOW_SECONDS = 15 * 60;
/** Failures before the next attempt is refused (a limiter blocks once it is over its points). */
const FAILURES_PER_CLIENT = 10;
const FAILURES_PER_IP = 50;

export interface TokenRequest {
  /** The Authorization header, if any (HTTP Basic per RFC 6749 §2.3.1). */
  authorization: string | undefined;
  grant_type: string;
  scope?: string | undefined;
  client_id?: string | undefined;
  client_secret?: string | undefined;
}

/** client_id:client_secret, each form-urlencoded inside the Basic credentials (§2.3.1). */
function basicCredentials(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const unform = (part: string) => decodeURIComponent(part.replaceAll('+', ' '));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * The client credentials grant. Secrets are compared in constant time; failures are
 * throttled per client id and per address, and every outcome is audited.
 */
export function createTokenService({
  store,
  audit,
  keys,
  limits,
  tokens,
}: {
  store: PartnerStore;
  audit: AuditService;
  keys: KeyRing;
  limits: Limits;
  tokens: PartnerTokens;
}) {
  const failuresPerClient = limits.limiter({
    name: 'partner-token-fail-client',
    points: FAILURES_PER_CLIENT - 1,
    durationSeconds: FAILURE_WINDOW_SECONDS,
  });
  const failuresPerIp = limits.limiter({
    name: 'partner-token-fail-ip',
    points: FAILURES_PER_IP - 1,
    durationSeconds: FAILURE_WINDOW_SECONDS,
  });

  return {
    async issue(db: Db, request: TokenRequest, context: RequestContext) {
      const refuse = (error: AppError, reason: string, clientId?: string) =>
        withAudit(error, {
          actor: clientId ? { type: 'partner', id: clientId } : { type: 'anonymous' },
          action: 'partner.token.issue',
          outcome: 'denied',
          reason,
        });

      const basic = request.authorization ? basicCredentials(request.authorization) : undefined;
      if (request.authorization !== undefined && !basic) {
        throw refuse(
          new OAuthProblem(401, 'invalid_client', 'The Authorization header is not HTTP Basic.'),
          'malformed-basic',
        );
      }
      const inBody = request.client_id !== undefined || request.client_secret !== undefined;
      if (basic && inBody) {
        throw refuse(
          new OAuthProblem(
            400,
            'invalid_request',
            'Send the client credentials either in the Authorization header or in the body, not both.',
          ),
          'two-auth-methods',
        );
      }
      if (request.grant_type !== 'client_credentials') {
        throw refuse(
          new OAuthProblem(
            400,
            'unsupported_grant_type',
            'Only grant_type=client_credentials is supported.',
          ),
          'grant-type',
        );
      }
      const id = basic?.id ?? request.client_id ?? '';
      const secret = basic?.secret ?? request.client_secret ?? '';
      const knownShape = CLIENT_ID.test(id);
      const clientId = knownShape ? id : undefined;

      for (const [limiter, key] of [
        [failuresPerIp, context.clientIp],
        ...(clientId ? ([[failuresPerClient, clientId]] as const) : []),
      ] as const) {
        const blocked = await limiter.isBlocked(key);
        if (!blocked.allowed) {
          throw refuse(
            new AppError(429, 'rate-limited', 'Too many failed attempts; try again later.', {
              retryAfterSeconds: blocked.retryAfterSeconds,
            }),
            'throttled',
            clientId,
          );
        }
      }

      const row = clientId ? await store.credentials(db, clientId) : undefined;
      const candidate = secretHash(
        keys,
        clientId ?? 'none',
        CLIENT_SECRET.test(secret) ? secret : '',
      );
      const matches =
        secretMatches(row?.secret_hash ?? undefined, candidate) && CLIENT_SECRET.test(secret);
      if (!row || !matches) {
        await failuresPerIp.penalty(context.clientIp);
        if (clientId) await failuresPerClient.penalty(clientId);
        throw refuse(
          new OAuthProblem(401, 'invalid_client', 'Client authentication failed.'),
          row ? 'wrong-secret' : 'unknown-client',
          clientId,
        );
      }
      if (row.status !== 'active') {
        throw refuse(
          new OAuthProblem(401, 'invalid_client', `This client is ${row.status}.`),
          `client-${row.status}`,
          row.client_id,
        );
      }

      if (!addressList(row.allow_list).check(context.clientIp)) {
        throw refuse(
          new OAuthProblem(
            403,
            'unauthorized_client',
            'This address is not in the client’s allow-list.',
          ),
          'outside-allow-list',
          row.client_id,
        );
      }

      const granted = row.scopes;
      let scopes: Scope[] = granted;
      if (request.scope !== undefined) {
        const asked = [...new Set(request.scope.split(' ').filter(Boolean))];
        const unknown = asked.filter((s) => !SCOPES.includes(s as Scope));
        const notGranted = asked.filter((s) => !granted.includes(s as Scope));
        if (asked.length === 0 || unknown.length > 0 || notGranted.length > 0) {
          throw refuse(
            new OAuthProblem(
              400,
              'invalid_scope',
              // The asked text is not echoed: it is the caller's input, whatever it holds.
              unknown.length > 0
                ? 'A scope asked for does not exist.'
                : 'A scope asked for is not granted to this client.',
            ),
            'scope',
            row.client_id,
          );
        }
        scopes = asked as Scope[];
      }
      const issued = await tokens.issue(row.client_id, scopes, row.secret_generation);
      await db.transaction().execute((tx) =>
        audit.record(
          tx,
          {
            actor: { type: 'partner', id: row.client_id, organisation: row.name },
            action: 'partner.token.issue',
            outcome: 'allowed',
            details: { scope: scopes.join(' ') },
          },
          context,
        ),
      );
      return {
        access_token: issued.token,
        token_type: 'Bearer' as const,
        expires_in: issued.expiresIn,
        scope: scopes.join(' '),
      };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
