import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

import argon2 from 'argon2';
import { authenticator } from 'otplib';

import { Invalid } from '../../http/errors.js';
import { dataPath } from '../../paths.js';

/**
 * argon2id at the OWASP / ASVS 5.0 minimum (m=19 MiB, t=2, p=1). The parameters live in
 * each stored hash, so raising them later re-hashes nobody until their next password change.
 */
export const ARGON2_PARAMS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

const blocklist = new Set(
  readFileSync(dataPath('common-passwords.txt'), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0),
);

/**
 * NIST SP 800-63B / ASVS 5.0: a length range counted in characters (code points), a
 * check against common and breached passwords, and no composition rules. The password is
 * hashed whole: never truncated, never transformed.
 */
export function checkPasswordRules(password: string): void {
  // Code points, as ASVS counts them (an emoji is one character, not two UTF-16 units).
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN)
    throw new Invalid(
      `A password needs at least ${PASSWORD_MIN} characters.`,
      'password-too-short',
    );
  if (length > PASSWORD_MAX)
    throw new Invalid(
      `A password may have at most ${PASSWORD_MAX} characters.`,
      'password-too-long',
    );
  if (blocklist.has(password.toLowerCase()))
    throw new Invalid(
      'This password is on the list of common or breached passwords; choose another (a long passphrase is best).',
      'password-common',
    );
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_PARAMS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/** A hash to verify against when the account is unknown, so that the answer takes as long. */
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword(randomBytes(16).toString('base64')));
}

/** 256 bits from the CSPRNG, URL-safe: session ids, API tokens, enrolment links, CSRF tokens. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored only as their SHA-256: a database reader cannot use them. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function sameToken(token: string, storedHash: string): boolean {
  const a = Buffer.from(tokenHash(token));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 6238 with a 30 s step; one step of drift either way is accepted. */
const TOTP_STEP_MS = 30_000;

export function newTotpSecret(): string {
  return authenticator.generateSecret(20);
}

export function otpauthUrl(username: string, secret: string): string {
  return authenticator.keyuri(username, 'Teeka', secret);
}

/**
 * The time step a code belongs to, checked against `now` (the platform clock, so tests
 * can travel), or null when the code is wrong. otplib compares in constant time.
 */
export function totpStep(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const checker = authenticator.clone({ epoch: now.getTime(), window: 1 });
  const delta = checker.checkDelta(code, secret);
  if (delta === null) return null;
  return Math.floor(now.getTime() / TOTP_STEP_MS) + delta;
}
