import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { timingSafeEqual } from 'node:crypto';

import { errors, jwtVerify, SignJWT } from 'jose';

import { type KeyRing, tokenSigningKeys } from '../../crypto/keys.js';
import type { Clock } from '../../platform/clock.js';
import { type Scope, SCOPES } from './scopes.js';

export const CLIENT_ID = /^pc_[A-Za-z0-9_-]{16}$/;
export const CLIENT_SECRET = /^pcs_[A-Za-z0-9_-]{43}$/;
export const TOKEN_TTL_SECONDS = 300;
export const PARTNER_AUDIENCE = 'teeka:partner';
const ISSUER = 'teeka';
const TOKEN_PURPOSE = 'partner-token';
const SECRET_PURPOSE = 'partner-client-secret';
const API_KEY_PURPOSE = 'partner-app-key';

export const newClientId = () => `pc_${randomBytes(12).toString('base64url')}`;
/** 256 random bits: far beyond any offline guessing, which is why an HMAC suffices (docs/partners.md). */
export const newClientSecret = () => `pcs_${randomBytes(32).toString('base64url')}`;

/**
 * The stored form of a client secret: HMAC-SHA256 under a key-ring key, bound to the client
 * id. Not argon2id: a password needs a slow hash because people choose guessable ones, but
 * this secret is 256 random bits, so a fast keyed hash loses nothing to offline guessing
 * (and without the master key a stolen table cannot even be tested), while the token
 * endpoint stays fast and cannot be made a CPU sink by floods of wrong secrets.
 */
export function secretHash(keys: KeyRing, clientId: string, secret: string): string {
  return keyedHash(keys, SECRET_PURPOSE, clientId, secret);
}

function keyedHash(keys: KeyRing, purpose: string, id: string, secret: string): string {
  return createHmac('sha256', keys.derive(purpose, keys.indexId))
    .update(`${id}:${secret}`, 'utf8')
    .digest('base64url');
}

/**
 * A registered app's API key: `tak_`, a 16-character key id (the public part: the lookup,
 * and what audit records and admin screens name), then 256 random bits. Like a client
 * secret it is made by Teeka, so it is stored as a keyed hash (HMAC), not argon2id.
 */
export const API_KEY = /^tak_([A-Za-z0-9_-]{16})([A-Za-z0-9_-]{43})$/;

export function newApiKey(): { keyId: string; apiKey: string } {
  const keyId = randomBytes(12).toString('base64url');
  return { keyId, apiKey: `tak_${keyId}${randomBytes(32).toString('base64url')}` };
}

/** The stored form of an API key: HMAC-SHA256 of `keyId:key` under "partner-app-key". */
export function apiKeyHash(keys: KeyRing, keyId: string, apiKey: string): string {
  return keyedHash(keys, API_KEY_PURPOSE, keyId, apiKey);
}

/** Constant-time comparison; a missing client compares against noise, so timing says nothing. */
export function secretMatches(stored: string | undefined, candidate: string): boolean {
  const given = Buffer.from(candidate, 'base64url');
  const expected = stored ? Buffer.from(stored, 'base64url') : randomBytes(given.length);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface PartnerClaims {
  clientId: string;
  scopes: Scope[];
  /** The client's secret generation when the token was issued: a rotation ends older tokens. */
  generation: number;
  tokenId: string;
  expiresAt: Date;
}

/**
 * Partner access tokens: EdDSA JWTs (key derived from the master key, so every node signs
 * and verifies alike), algorithm pinned, audience "teeka:partner", 5 minutes.
 */
export function createPartnerTokens({ keys, clock }: { keys: KeyRing; clock: Clock }) {
  const { signingKey, publicKey } = tokenSigningKeys(keys, TOKEN_PURPOSE);

  return {
    async issue(clientId: string, scopes: Scope[], generation: number) {
      const issuedAt = Math.floor(clock.now().getTime() / 1000);
      const token = await new SignJWT({ scope: scopes.join(' '), gen: generation })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.currentId })
        .setIssuer(ISSUER)
        .setAudience(PARTNER_AUDIENCE)
        .setSubject(clientId)
        .setJti(randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + TOKEN_TTL_SECONDS)
        .sign(signingKey);
      return { token, expiresIn: TOKEN_TTL_SECONDS };
    },

    /** The claims of a valid, unexpired token, or why it is refused. */
    async verify(token: string): Promise<PartnerClaims | 'expired' | 'invalid'> {
      try {
        const { payload } = await jwtVerify(
          token,
          (header) => {
            if (typeof header.kid !== 'string' || !keys.hasMaster(header.kid)) {
              throw new errors.JWSSignatureVerificationFailed();
            }
            return publicKey(header.kid);
          },
          {
            algorithms: ['EdDSA'],
            typ: 'at+jwt',
            issuer: ISSUER,
            audience: PARTNER_AUDIENCE,
            requiredClaims: ['sub', 'jti', 'exp', 'iat'],
            currentDate: clock.now(),
            clockTolerance: 0,
          },
        );
        const { sub, jti, exp, scope, gen } = payload;
        if (!sub || !jti || exp === undefined || typeof scope !== 'string') return 'invalid';
        if (typeof gen !== 'number') return 'invalid';
        const scopes = scope.split(' ').filter((s): s is Scope => SCOPES.includes(s as Scope));
        return {
          clientId: sub,
          scopes,
          generation: gen,
          tokenId: jti,
          expiresAt: new Date(exp * 1000),
        };
      } catch (error) {
        if (error instanceof errors.JWTExpired) return 'expired';
        if (error instanceof errors.JOSEError) return 'invalid';
        throw error;
      }
    },
  };
}

export type PartnerTokens = ReturnType<typeof createPartnerTokens>;
