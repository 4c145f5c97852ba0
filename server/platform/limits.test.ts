import { randomBytes } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

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
