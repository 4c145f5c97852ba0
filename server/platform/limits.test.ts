import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type PrivateRedis, privateRedis } from '../../test/helpers/private-services.js';
import { freePort } from '../../test/helpers/process.js';
import { createLimits, type Limits } from './limits.js';

const backends: [string, () => Limits][] = [['memory', () => createLimits({})]];
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  backends.push([
    'redis',
    () =>
      createLimits({ redisUrl: url, namespace: `teeka-test-${randomBytes(4).toString('hex')}` }),
  ]);
}

const opened: Limits[] = [];
afterAll(async () => {
  await Promise.all(opened.map((l) => l.close()));
});

describe.each(backends)('limits on %s', (backend, make) => {
  it('allows up to the limit, then refuses with a retry time', async () => {
    const limits = make();
    opened.push(limits);
    expect(await limits.ready()).toBe(backend === 'redis');
    expect(limits.backend).toBe(backend);
    const limiter = limits.limiter({ name: 'otp-send', points: 3, durationSeconds: 60 });
    for (let i = 0; i < 3; i++) expect((await limiter.consume('9876543210')).allowed).toBe(true);
    const refused = await limiter.consume('9876543210');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect((await limiter.consume('9876543211')).allowed).toBe(true); // another key is independent
    await expect(limiter.consumeOrThrow('9876543210')).rejects.toMatchObject({
      status: 429,
      code: 'rate-limited',
    });
    await limiter.reset('9876543210');
    expect((await limiter.consume('9876543210')).allowed).toBe(true);
  });

  it('counts penalties and reports a key as blocked once over the limit', async () => {
    const limits = make();
    opened.push(limits);
    await limits.ready();
    const limiter = limits.limiter({ name: 'login-failures', points: 2, durationSeconds: 60 });
    expect((await limiter.isBlocked('acct')).allowed).toBe(true);
    await limiter.penalty('acct');
    await limiter.penalty('acct');
    expect((await limiter.isBlocked('acct')).allowed).toBe(true);
    await limiter.penalty('acct');
    expect((await limiter.isBlocked('acct')).allowed).toBe(false);
  });
});

describe.runIf(process.env.REDIS_URL)('limits on redis across nodes', () => {
  it('shares counters between two nodes, and keeps limiting per node when Redis is unreachable', async () => {
    const namespace = `teeka-test-${randomBytes(4).toString('hex')}`;
    const nodeA = createLimits({ redisUrl: process.env.REDIS_URL, namespace });
    const nodeB = createLimits({ redisUrl: process.env.REDIS_URL, namespace });
    opened.push(nodeA, nodeB);
    expect(await nodeA.ready()).toBe(true);
    expect(await nodeB.ready()).toBe(true);
    const rule = { name: 'shared', points: 2, durationSeconds: 60 };
    expect((await nodeA.limiter(rule).consume('k')).allowed).toBe(true);
    expect((await nodeB.limiter(rule).consume('k')).allowed).toBe(true);
    expect((await nodeA.limiter(rule).consume('k')).allowed).toBe(false);
    expect((await nodeB.limiter(rule).consume('k')).allowed).toBe(false);

    // Nothing listens on port 1: the insurance limiter takes over in memory.
    const cut = createLimits({ redisUrl: 'redis://127.0.0.1:1', namespace });
    opened.push(cut);
    expect(await cut.ready()).toBe(false);
    const fallback = cut.limiter(rule);
    expect((await fallback.consume('k')).allowed).toBe(true);
    expect((await fallback.consume('k')).allowed).toBe(true);
    expect((await fallback.consume('k')).allowed).toBe(false);
  });
});

describe('limits when their Redis stops and starts again', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await privateRedis();
  });
  afterAll(() => redis.close());

  /** Waits until every change in `changes` has the length `count` (a reconnect takes up to 2 s). */
  async function told(changes: boolean[][], count: number) {
    for (let i = 0; i < 200 && changes.some((c) => c.length < count); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('falls back to per-node counters, tells so once, and shares them again when Redis is back', async () => {
    const namespace = `teeka-test-${randomBytes(4).toString('hex')}`;
    const changes: boolean[][] = [[], []];
    const [nodeA, nodeB] = changes.map((seen) =>
      createLimits({ redisUrl: redis.url, namespace, onSharedChange: (s) => seen.push(s) }),
    ) as [Limits, Limits];
    opened.push(nodeA, nodeB);
    expect(await nodeA.ready()).toBe(true);
    expect(await nodeB.ready()).toBe(true);
    const rule = { name: 'shared', points: 3, durationSeconds: 60 };
    const allowed = async (node: Limits) => (await node.limiter(rule).consume('k')).allowed;
    const shared = async () => [
      await allowed(nodeA),
      await allowed(nodeB),
      await allowed(nodeA),
      await allowed(nodeB),
      await allowed(nodeA),
    ];
    expect(await shared()).toEqual([true, true, true, false, false]);
    expect(changes).toEqual([[], []]); // a node that starts shared has nothing to tell

    await redis.stop();
    await told(changes, 1);
    expect(changes).toEqual([[false], [false]]);
    // Each node now allows the whole limit on its own, and still refuses past it.
    for (const node of [nodeA, nodeB]) {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await allowed(node));
      expect(answers).toEqual([true, true, true, false]);
    }
    // Retrying a dead server tells nothing more.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(changes).toEqual([[false], [false]]);

    await redis.start();
    await told(changes, 2);
    expect(changes).toEqual([
      [false, true],
      [false, true],
    ]);
    const again = async () => [
      await allowed(nodeA),
      await allowed(nodeB),
      await allowed(nodeA),
      await allowed(nodeB),
    ];
    // The restarted Redis is empty: the counting starts over, shared by both nodes.
    expect(await again()).toEqual([true, true, true, false]);
  }, 20_000);

  it('tells a node that starts without its Redis, and nothing when it closes', async () => {
    const seen: boolean[] = [];
    const limits = createLimits({
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      namespace: `teeka-test-${randomBytes(4).toString('hex')}`,
      onSharedChange: (s) => seen.push(s),
    });
    expect(await limits.ready()).toBe(false);
    expect(seen).toEqual([false]);
    await limits.close();
    expect(seen).toEqual([false]);
  });
});
