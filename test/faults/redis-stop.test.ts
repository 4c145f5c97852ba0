import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { counterSum } from '../helpers/cluster.js';
import { engine, freshDatabase } from '../helpers/db.js';
import { type PrivateRedis, privateRedis } from '../helpers/private-services.js';
import { freePort, startTeeka, stopTeeka, testNodeEnv, waitForHealth } from '../helpers/process.js';

const PER_MOBILE = 3;

/**
 * Two Teeka processes sharing one PostgreSQL database and a Redis of the test's own, which
 * the test stops and starts again (issue 12's fault test): the per-mobile OTP limit is
 * shared by both nodes; with Redis gone each node counts it on its own and still refuses,
 * says so once in its log and in teeka_rate_limit_fallback; with Redis back it is shared
 * again and the gauge is 0.
 */
describe.runIf(engine === 'postgres')('Redis stops under two running servers', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let redis: PrivateRedis;
  const nodes: ReturnType<typeof startTeeka>[] = [];
  const urls: string[] = [];
  let nextMobile = 9_400_000_000;

  beforeAll(async () => {
    database = await freshDatabase(2);
    redis = await privateRedis();
    const env = testNodeEnv({
      LOG_LEVEL: 'info',
      TEEKA_SMS_OUTBOX: '/dev/null',
      DATABASE_URL: database.url ?? '',
      REDIS_URL: redis.url,
      TEEKA_REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}`,
      TEEKA_OTP_PER_MOBILE: String(PER_MOBILE),
    });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      nodes.push(startTeeka({ ...env, PORT: String(port) }));
      urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(urls.map((url) => waitForHealth(url, 90_000)));
  }, 120_000);

  afterAll(async () => {
    try {
      await stopTeeka(nodes);
    } finally {
      await redis.close();
      await database.close();
    }
  }, 60_000);

  const otp = async (url: string, mobile: string) =>
    (
      await fetch(`${url}/api/v2/auth/public/generateOTP`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile }),
      })
    ).status;
  /** OTP requests for one new mobile, alternating between the nodes. */
  async function alternating(count: number) {
    const mobile = String(nextMobile++);
    const statuses = [];
    for (let i = 0; i < count; i++) statuses.push(await otp(urls[i % 2] ?? '', mobile));
    return statuses;
  }
  /** OTP requests for one new mobile, all to one node. */
  async function onOneNode(url: string, count: number) {
    const mobile = String(nextMobile++);
    const statuses = [];
    for (let i = 0; i < count; i++) statuses.push(await otp(url, mobile));
    return { mobile, statuses };
  }
  const fallbackGauge = async (url: string) =>
    counterSum(await (await fetch(`${url}/metrics`)).text(), 'teeka_rate_limit_fallback');
  async function gaugesBecome(value: number) {
    for (let i = 0; i < 100; i++) {
      const gauges = await Promise.all(urls.map(fallbackGauge));
      if (gauges.every((g) => g === value)) return gauges;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Promise.all(urls.map(fallbackGauge));
  }
  const logLines = (node: ReturnType<typeof startTeeka>, text: string) =>
    node
      .output()
      .split('\n')
      .filter((line) => line.includes(text));

  it('shares the limit across nodes, limits per node while Redis is down, and shares again once it is back', async () => {
    const refusedShared = [...Array<number>(PER_MOBILE).fill(200), 429, 429];
    expect(await alternating(PER_MOBILE + 2)).toEqual(refusedShared);
    expect(await gaugesBecome(0)).toEqual([0, 0]);

    await redis.stop();
    expect(await gaugesBecome(1)).toEqual([1, 1]);
    // One mobile's limit counted on each node separately: each allows it in full, then refuses.
    const [a, b] = [urls[0] ?? '', urls[1] ?? ''];
    const onA = await onOneNode(a, PER_MOBILE + 1);
    const onB = await otp(b, onA.mobile);
    expect(onA.statuses).toEqual([...Array<number>(PER_MOBILE).fill(200), 429]);
    expect(onB).toBe(200);
    expect((await onOneNode(b, PER_MOBILE + 1)).statuses).toEqual([
      ...Array<number>(PER_MOBILE).fill(200),
      429,
    ]);
    for (const node of nodes) {
      const warned = logLines(node, 'rate limits are per node');
      expect(warned).toHaveLength(1);
      expect(JSON.parse(warned[0] ?? '{}')).toMatchObject({ level: 40, rateLimits: 'per-node' });
      expect(warned[0]).not.toContain(redis.url);
    }

    await redis.start();
    expect(await gaugesBecome(0)).toEqual([0, 0]);
    expect(await alternating(PER_MOBILE + 2)).toEqual(refusedShared);
    for (const node of nodes) {
      expect(logLines(node, 'rate limits are per node')).toHaveLength(1);
      const back = logLines(node, 'rate limits are shared again');
      expect(back).toHaveLength(1);
      expect(JSON.parse(back[0] ?? '{}')).toMatchObject({ level: 40, rateLimits: 'shared' });
      expect(node.child.exitCode).toBeNull();
    }
  }, 60_000);
});
