import { describe, expect, it } from 'vitest';

import { manualClock } from '../../platform/clock.js';
import { createSearchCache, type Loaded } from './cache.js';

/** A loader whose answers the test releases by hand, counting how often it ran. */
function controlledLoader(sessionIds: string[] = ['s1'], centreIds: number[] = [1]) {
  let calls = 0;
  const pending: ((value: unknown) => void)[] = [];
  return {
    calls: () => calls,
    release: (value: unknown) => pending.shift()?.(value),
    load: () => {
      calls++;
      return new Promise<Loaded>((resolve) => {
        pending.push((value) => resolve({ value, sessionIds, centreIds }));
      });
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the search cache', () => {
  it('shares one load among concurrent misses and serves it until it expires', async () => {
    const clock = manualClock();
    const cache = createSearchCache({ ttlSeconds: 30, maxBytes: 1_000_000, clock });
    const loader = controlledLoader();
    const waiting = Array.from({ length: 100 }, () => cache.get('k', loader.load));
    await tick();
    loader.release({ n: 1 });
    const answers = await Promise.all(waiting);
    expect(loader.calls()).toBe(1);
    expect(new Set(answers.map((a) => a.body))).toEqual(new Set(['{"n":1}']));
    clock.advance(29_999);
    expect((await cache.get('k', loader.load)).body).toBe('{"n":1}');
    clock.advance(1);
    const next = cache.get('k', loader.load);
    await tick();
    loader.release({ n: 2 });
    expect((await next).body).toBe('{"n":2}');
    expect(loader.calls()).toBe(2);
  });

  it('after an invalidation, neither joins nor stores a load that began before it', async () => {
    const cache = createSearchCache({ ttlSeconds: 30, maxBytes: 1_000_000, clock: manualClock() });
    const loader = controlledLoader(['s1']);
    const early = cache.get('k', loader.load);
    await tick();
    cache.invalidateSession('s1');
    const late = cache.get('k', loader.load); // must not join the earlier load
    await tick();
    expect(loader.calls()).toBe(2);
    loader.release({ seats: 10 }); // read before the booking committed
    loader.release({ seats: 9 });
    expect((await early).body).toBe('{"seats":10}');
    expect((await late).body).toBe('{"seats":9}');
    expect((await cache.get('k', loader.load)).body).toBe('{"seats":9}');
    expect(loader.calls()).toBe(2);
  });

  it('keeps a load in flight when an unrelated session is invalidated', async () => {
    const cache = createSearchCache({ ttlSeconds: 30, maxBytes: 1_000_000, clock: manualClock() });
    const loader = controlledLoader(['s1'], [1]);
    const pending = cache.get('k', loader.load);
    await tick();
    cache.invalidateSession('other');
    cache.invalidateCentre(2);
    loader.release({ ok: true });
    await pending;
    await cache.get('k', loader.load);
    expect(loader.calls()).toBe(1);
    cache.invalidateCentre(1);
    const reloaded = cache.get('k', loader.load);
    await tick();
    loader.release({ ok: false });
    expect((await reloaded).body).toBe('{"ok":false}');
  });

  it('stays within its memory budget by dropping the oldest answers', async () => {
    const cache = createSearchCache({ ttlSeconds: 30, maxBytes: 100, clock: manualClock() });
    for (let i = 0; i < 50; i++) {
      await cache.get(`k${i}`, () =>
        Promise.resolve({
          value: { pad: 'x'.repeat(20), i },
          sessionIds: [`s${i}`],
          centreIds: [],
        }),
      );
    }
    expect(cache.size().bytes).toBeLessThanOrEqual(100);
    expect(cache.size().entries).toBe(2);
    // A dropped answer's tags are forgotten too: invalidating it is harmless.
    cache.invalidateSession('s0');
    expect(cache.size().entries).toBe(2);
    cache.invalidateSession('s49');
    expect(cache.size().entries).toBe(1);
  });

  it('passes a failed load to every waiter and does not keep it', async () => {
    const cache = createSearchCache({ ttlSeconds: 30, maxBytes: 1_000_000, clock: manualClock() });
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('database down'));
    };
    const results = await Promise.allSettled([cache.get('k', failing), cache.get('k', failing)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
    await expect(cache.get('k', failing)).rejects.toThrow('database down');
    expect(calls).toBe(2);
  });
});
