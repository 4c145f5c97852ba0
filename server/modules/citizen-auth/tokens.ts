import { randomUUID } from 'node:crypto';

import { errors, jwtVerify, SignJWT } from 'jose';

import { type KeyRing, tokenSigningKeys } from '../../crypto/keys.js';
import type { Clock } from '../../platform/clock.js';

/**
 * Citizen tokens: JWTs signed with Ed25519 (EdDSA), a key derived from the master key under
 * the purpose "citizen-token" so every node signs and verifies alike without sharing files.
 * `kid` names the master key, so a rotated master key keeps older tokens verifiable.
 * Verification pins the algorithm (no `none`, no HS/RS confusion) and checks iss, aud, exp.
 */
export const CITIZEN_AUDIENCE = 'teeka:citizen';
const ISSUER = 'teeka';
const PURPOSE = 'citizen-token';

/** The registered app a token was obtained through (CoWIN v2 protected API), and its key. */
export interface AppBinding {
  clientId: string;
  keyId: string;
}

export interface CitizenClaims {
  /** The citizen's mobile reference (a keyed blind index), never the number. */
  mobileRef: string;
  tokenId: string;
  expiresAt: Date;
  /** Set when the citizen logged in through a registered app: the token works only with its key. */
  app?: AppBinding;
}

export function createCitizenTokens({
  keys,
  clock,
  ttlSeconds,
}: {
  keys: KeyRing;
  clock: Clock;
  ttlSeconds: number;
}) {
  const { signingKey, publicKey } = tokenSigningKeys(keys, PURPOSE);

  return {
    async issue(
      mobileRef: string,
      app?: AppBinding,
    ): Promise<{ token: string; claims: CitizenClaims }> {
      const now = clock.now();
      const issuedAt = Math.floor(now.getTime() / 1000);
      const claims: CitizenClaims = {
        mobileRef,
        tokenId: randomUUID(),
        expiresAt: new Date((issuedAt + ttlSeconds) * 1000),
        ...(app ? { app } : {}),
      };
      const token = await new SignJWT(app ? { app: app.clientId, akid: app.keyId } : {})
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keys.currentId })
        .setIssuer(ISSUER)
        .setAudience(CITIZEN_AUDIENCE)
        .setSubject(mobileRef)
        .setJti(claims.tokenId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(signingKey);
      return { token, claims };
    },

    /** The claims of a valid token, or undefined for anything else (the caller answers 401). */
    async verify(token: string): Promise<CitizenClaims | undefined> {
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
            issuer: ISSUER,
            audience: CITIZEN_AUDIENCE,
            requiredClaims: ['sub', 'jti', 'exp', 'iat'],
            currentDate: clock.now(),
            clockTolerance: 0,
          },
        );
        if (!payload.sub || !payload.jti || payload.exp === undefined) return undefined;
        const { app, akid } = payload;
        if (app !== undefined || akid !== undefined) {
          if (typeof app !== 'string' || typeof akid !== 'string') return undefined;
        }
        return {
          mobileRef: payload.sub,
          tokenId: payload.jti,
          expiresAt: new Date(payload.exp * 1000),
          ...(typeof app === 'string' && typeof akid === 'string'
            ? { app: { clientId: app, keyId: akid } }
            : {}),
        };
      } catch (error) {
        if (error instanceof errors.JOSEError) return undefined;
        throw error;
      }
    },
  };
}

export type CitizenTokens = ReturnType<typeof createCitizenTokens>;
