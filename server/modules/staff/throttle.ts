import { RateLimited } from '../../http/errors.js';
import type { Limiter, Limits } from '../../platform/limits.js';
import { tokenHash } from './credentials.js';

/**
 * Failed staff logins and step-ups are counted per account name and per IP address in the
 * shared counters (Redis when configured), before any argon2 work. The account tiers make a
 * growing delay (after 5 failures wait out the minute, after 20 the quarter hour) and cap
 * failures at 100 an hour. Every window ends by itself, so an attacker cannot lock staff
 * out for longer than an hour at a time, and an admin can end it sooner. Names that match
 * no account are counted the same way, so the answers never tell which names exist.
 */
const ACCOUNT_TIERS = [
  { name: 'staff-fail-account-1m', failures: 5, durationSeconds: 60 },
  { name: 'staff-fail-account-15m', failures: 20, durationSeconds: 900 },
  { name: 'staff-fail-account-1h', failures: 100, durationSeconds: 3600 },
];
const IP_TIER = { name: 'staff-fail-ip-15m', failures: 200, durationSeconds: 900 };

// A limiter reports "blocked" once more than `points` are spent: `failures - 1` points
// block the attempt after the `failures`-th failure.
const limiterFor = (limits: Limits, tier: typeof IP_TIER) =>
  limits.limiter({
    name: tier.name,
    points: tier.failures - 1,
    durationSeconds: tier.durationSeconds,
  });

export function createLoginThrottle(limits: Limits) {
  const account = ACCOUNT_TIERS.map((tier) => limiterFor(limits, tier));
  const ip = limiterFor(limits, IP_TIER);
  // Account names are hashed so that the counter store never holds them.
  const key = (username: string) => tokenHash(username.toLowerCase());
  const checks = (username: string, clientIp: string): [Limiter, string][] => [
    ...account.map((l): [Limiter, string] => [l, key(username)]),
    [ip, clientIp],
  ];

  return {
    /** Throws 429 with Retry-After while the account name or the address is over a limit. */
    async check(username: string, clientIp: string): Promise<void> {
      const decisions = await Promise.all(
        checks(username, clientIp).map(([limiter, k]) => limiter.isBlocked(k)),
      );
      const wait = Math.max(0, ...decisions.map((d) => (d.allowed ? 0 : d.retryAfterSeconds)));
      if (wait > 0)
        throw new RateLimited(
          wait,
          'Too many failed attempts; try again later.',
          'login-throttled',
        );
    },
    async failed(username: string, clientIp: string): Promise<void> {
      await Promise.all(checks(username, clientIp).map(([limiter, k]) => limiter.penalty(k)));
    },
    /** After a success, or an admin's unlock: the account's failure count starts again. */
    async clear(username: string): Promise<void> {
      await Promise.all(account.map((limiter) => limiter.reset(key(username))));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
