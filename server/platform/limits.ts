import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import { RateLimited } from '../http/errors.js';

/**
 * Counters for rate limits, OTP budgets and attempt throttles behind one interface:
 * in process memory by default, in Redis when REDIS_URL is set so that every node shares
 * them. With Redis, an in-memory "insurance" limiter keeps limiting per node if Redis
 * stops answering (rate-limiter-flexible's insuranceLimiter), and goes back to the shared
 * counters once Redis answers again.
 */
export interface LimitRule {
  /** Unique per rule: the key prefix of its counters. */
  name: string;
  /** How many units a key may spend per window. */
  points: number;
  durationSeconds: number;
  /** Once over the limit, refuse this long (defaults to the rest of the window). */
  blockSeconds?: number;
}

export type LimitDecision =
  { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface Limiter {
  consume(key: string, points?: number): Promise<LimitDecision>;
  /** Consumes, or throws RateLimited (429 with Retry-After). */
  consumeOrThrow(key: string, points?: number, message?: string): Promise<void>;
  /** Spends without refusing: for counting failures that the next attempt checks with `isBlocked`. */
  penalty(key: string, points?: number): Promise<void>;
  isBlocked(key: string): Promise<LimitDecision>;
  reset(key: string): Promise<void>;
}

export interface Limits {
  backend: 'memory' | 'redis';
  /** Waits (up to 2 s) for Redis to connect, so a starting node does not begin on its fallback. True when shared. */
  ready(): Promise<boolean>;
  limiter(rule: LimitRule): Limiter;
  close(): Promise<void>;
}

export function createLimits({
  redisUrl,
  namespace = 'teeka',
  onRefused,
  onSharedChange,
}: {
  redisUrl?: string | undefined;
  namespace?: string;
  /** Told the rule's name each time a key is refused (metrics). */
  onRefused?: (rule: string) => void;
  /**
   * Told once when the counters stop being shared (Redis unreachable: each node counts on
   * its own) and once when they are shared again; never without REDIS_URL.
   */
  onSharedChange?: (shared: boolean) => void;
}): Limits {
  const redis = redisUrl
    ? new Redis(redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
        lazyConnect: false,
      })
    : undefined;
  // Without an offline queue a command fails at once unless the connection is ready, so
  // "ready" is exactly when the shared counters are in use. Only changes are told: a client
  // that retries a dead server says "close" on every attempt.
  let shared: boolean | undefined;
  let closing = false;
  const sharedNow = (now: boolean) => {
    if (shared === now || closing) return;
    const first = shared === undefined;
    shared = now;
    if (!(first && now)) onSharedChange?.(now);
  };
  redis?.on('ready', () => sharedNow(true));
  redis?.on('close', () => sharedNow(false));
  // A Redis outage is handled by the insurance limiter: a client error is a state, never a crash.
  redis?.on('error', () => {
    if (redis.status !== 'ready') sharedNow(false);
  });
  const made = new Map<string, Limiter>();

  const build = (rule: LimitRule): Limiter => {
    const options = {
      keyPrefix: `${namespace}:${rule.name}`,
      points: rule.points,
      duration: rule.durationSeconds,
      ...(rule.blockSeconds ? { blockDuration: rule.blockSeconds } : {}),
    };
    const memory = new RateLimiterMemory(options);
    const limiter = redis
      ? new RateLimiterRedis({
          ...options,
          storeClient: redis,
          insuranceLimiter: new RateLimiterMemory(options),
        })
      : memory;
    const decide = (result: RateLimiterRes): LimitDecision => ({
      allowed: true,
      remaining: result.remainingPoints,
    });
    const refuse = (error: unknown): LimitDecision => {
      if (error instanceof RateLimiterRes) {
        onRefused?.(rule.name);
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
        };
      }
      throw error;
    };
    return {
      consume: (key, points = 1) => limiter.consume(key, points).then(decide, refuse),
      async consumeOrThrow(key, points = 1, message) {
        const decision = await limiter.consume(key, points).then(decide, refuse);
        if (!decision.allowed) throw new RateLimited(decision.retryAfterSeconds, message);
      },
      async penalty(key, points = 1) {
        await limiter.penalty(key, points);
      },
      async isBlocked(key) {
        // The in-memory store can hand back a window that has already ended (its cleanup
        // timer has not fired yet): an ended window blocks nothing.
        const found = await limiter.get(key);
        const result = found && found.msBeforeNext > 0 ? found : null;
        if (result && result.consumedPoints > rule.points) {
          return {
            allowed: false,
            retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
          };
        }
        return {
          allowed: true,
          remaining: Math.max(0, rule.points - (result?.consumedPoints ?? 0)),
        };
      },
      async reset(key) {
        await limiter.delete(key);
      },
    };
  };

  return {
    backend: redis ? 'redis' : 'memory',
    async ready() {
      if (!redis) return false;
      if (redis.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2_000);
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    limiter(rule) {
      let limiter = made.get(rule.name);
      if (!limiter) {
        limiter = build(rule);
        made.set(rule.name, limiter);
      }
      return limiter;
    },
    async close() {
      closing = true;
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
