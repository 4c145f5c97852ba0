import { createHash } from 'node:crypto';

import type { Clock } from '../../platform/clock.js';

/** A public search answer, serialised once and served as is until it expires or goes stale. */
export interface CachedAnswer {
  body: string;
  etag: string;
  expiresAt: number;
}

/** What a loader returns: the answer, and the sessions and centres it shows (its tags). */
export interface Loaded {
  value: unknown;
  sessionIds: readonly string[];
  centreIds: readonly number[];
}

interface Entry {
  answer: CachedAnswer;
  tags: string[];
}

interface Flight {
  epoch: number;
  promise: Promise<CachedAnswer>;
}

const sessionTag = (id: string) => `s:${id}`;
const centreTag = (id: number) => `c:${id}`;

/**
 * Per-node cache of public availability answers. Three properties matter:
 * - bounded: keys come from callers (pincode x date x vaccine), so the oldest entries go
 *   once the bodies held reach `maxBytes`;
 * - one database read per key at a time: concurrent misses share one load, so a burst of
 *   bots on an expired key costs one query, not thousands;
 * - invalidation is immediate on this node: after `invalidateSession(id)` returns, no
 *   request is answered from data read before it (a load already in flight is neither
 *   joined nor stored if it shows the invalidated session or centre).
 */
export function createSearchCache({
  ttlSeconds,
  maxBytes,
  clock,
}: {
  ttlSeconds: number;
  maxBytes: number;
  clock: Clock;
}) {
  const ttlMs = ttlSeconds * 1000;
  const entries = new Map<string, Entry>();
  const keysByTag = new Map<string, Set<string>>();
  const flights = new Map<string, Flight>();
  // Invalidations since the oldest load in flight began: what a finishing load must check.
  let recent: { epoch: number; tag: string }[] = [];
  let epoch = 0;
  let bytes = 0;

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.answer.body.length;
    for (const tag of entry.tags) {
      const keys = keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) keysByTag.delete(tag);
    }
  };

  const store = (key: string, answer: CachedAnswer, tags: string[]) => {
    drop(key);
    if (answer.body.length > maxBytes) return;
    while (bytes + answer.body.length > maxBytes) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      drop(oldest.value);
    }
    entries.set(key, { answer, tags });
    bytes += answer.body.length;
    for (const tag of tags) {
      let keys = keysByTag.get(tag);
      if (!keys) keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  };

  const invalidate = (tag: string) => {
    epoch++;
    if (flights.size > 0) recent.push({ epoch, tag });
    for (const key of [...(keysByTag.get(tag) ?? [])]) drop(key);
  };

  const forgetOldInvalidations = () => {
    if (flights.size === 0) {
      recent = [];
      return;
    }
    const oldest = Math.min(...[...flights.values()].map((f) => f.epoch));
    recent = recent.filter((r) => r.epoch > oldest);
  };

  const serialise = (value: unknown): Omit<CachedAnswer, 'expiresAt'> => {
    const body = JSON.stringify(value);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    return { body, etag };
  };

  const load = (key: string, loader: () => Promise<Loaded>): Promise<CachedAnswer> => {
    const startedAt = epoch;
    const flight: Flight = {
      epoch: startedAt,
      promise: loader().then(
        (loaded) => {
          const answer = { ...serialise(loaded.value), expiresAt: clock.now().getTime() + ttlMs };
          const tags = [...loaded.sessionIds.map(sessionTag), ...loaded.centreIds.map(centreTag)];
          const tagSet = new Set(tags);
          const stale = recent.some((r) => r.epoch > startedAt && tagSet.has(r.tag));
          if (flights.get(key) === flight) flights.delete(key);
          if (!stale) store(key, answer, tags);
          forgetOldInvalidations();
          return answer;
        },
        (error: unknown) => {
          if (flights.get(key) === flight) flights.delete(key);
          forgetOldInvalidations();
          throw error;
        },
      ),
    };
    flights.set(key, flight);
    return flight.promise;
  };

  return {
    ttlSeconds,
    /** The answer for `key`: from the cache while fresh, else from one shared load. */
    async get(key: string, loader: () => Promise<Loaded>): Promise<CachedAnswer> {
      if (ttlMs === 0) {
        const loaded = await loader();
        return { ...serialise(loaded.value), expiresAt: clock.now().getTime() };
      }
      const entry = entries.get(key);
      if (entry) {
        if (entry.answer.expiresAt > clock.now().getTime()) return entry.answer;
        drop(key);
      }
      const flight = flights.get(key);
      if (flight && flight.epoch === epoch) return flight.promise;
      return load(key, loader);
    },
    /** A seat was taken or given back: answers showing this session are stale on this node. */
    invalidateSession(sessionId: string): void {
      invalidate(sessionTag(sessionId));
    },
    /** A centre or its sessions changed: answers showing this centre are stale on this node. */
    invalidateCentre(centerId: number): void {
      invalidate(centreTag(centerId));
    },
    size: () => ({ entries: entries.size, bytes }),
  };
}

export type SearchCache = ReturnType<typeof createSearchCache>;
