import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

import type { KeyRing } from '../../crypto/keys.js';
import type { Limits } from '../../platform/limits.js';

/** Six digits from the CSPRNG, leading zeros kept. */
export function newOtp(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** What a CoWIN client sends in confirmOTP: the SHA-256 hex of the six digits. */
export function otpDigest(otp: string): string {
  return createHash('sha256').update(otp, 'utf8').digest('hex');
}

/**
 * The stored form: an HMAC over the txn id and the digest, under a key of its own. Binding
 * the txn id in means an OTP answers only the transaction it was sent for; the key means a
 * copy of the table does not let anyone test the 10^6 candidates offline.
 */
export function otpHash(keys: KeyRing, txnId: string, digest: string): Buffer {
  return createHmac('sha256', keys.derive('otp-hash'))
    .update(`${txnId}:${digest.toLowerCase()}`, 'utf8')
    .digest();
}

/** Constant-time comparison with the stored hash; a missing one compares against noise. */
export function otpMatches(stored: string | undefined, candidate: Buffer): boolean {
  const expected = stored ? Buffer.from(stored, 'base64url') : randomBytes(candidate.length);
  return expected.length === candidate.length && timingSafeEqual(expected, candidate);
}

/**
 * Every OTP SMS of the deployment (citizen logins and partner consents alike) draws on one
 * hourly budget (TEEKA_SMS_BUDGET_PER_HOUR): it caps what an SMS-pumping attack can cost.
 */
export function smsBudgetLimiter(limits: Limits, perHour: number) {
  return limits.limiter({ name: 'sms-budget', points: perHour, durationSeconds: 3600 });
}
