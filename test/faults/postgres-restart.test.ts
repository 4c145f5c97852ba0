import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engine } from '../helpers/db.js';
import { type PrivatePostgres, privatePostgres } from '../helpers/private-services.js';
import { freePort, startTeeka, stopTeeka, testNodeEnv, waitForHealth } from '../helpers/process.js';

const CONNECT_TIMEOUT_MS = 1_000;

/**
 * A Teeka process on a PostgreSQL of the test's own, which the test stops and starts again
 * (issue 12's fault test): while the database is down every request that needs it gets
 * 503 problem+json with Retry-After within the connect timeout, never a 500 or a hang, and
 * once it is back the same process serves again without a restart.
 */
describe.runIf(engine === 'postgres')('PostgreSQL restarts under a running server', () => {
  let postgres: PrivatePostgres;
  let node: ReturnType<typeof startTeeka>;
  let url: string;
  let mobile = 9_500_000_000;

  beforeAll(async () => {
    postgres = await privatePostgres();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = startTeeka(
      testNodeEnv({
        TEEKA_SMS_OUTBOX: '/dev/null',
        DATABASE_URL: postgres.url,
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        PORT: String(port),
      }),
    );
    await waitForHealth(url, 90_000);
  }, 120_000);

  afterAll(async () => {
    try {
      await stopTeeka([node]);
    } finally {
      await postgres.close();
    }
  }, 60_000);

  /** Requests that each need the database: a read, a write (an OTP transaction) and readiness. */
  async function touchDatabase() {
    const started = performance.now();
    const answers = await Promise.all([
      fetch(`${url}/api/v2/admin/location/districts/16`),
      fetch(`${url}/api/v2/auth/public/generateOTP`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile: String(mobile++) }),
      }),
      fetch(`${url}/readyz`),
    ]);
    return {
      ms: performance.now() - started,
      answers: await Promise.all(
        answers.map(async (a) => ({
          status: a.status,
          type: a.headers.get('content-type'),
          retryAfter: a.headers.get('retry-after'),
          body: (await a.json()) as { code?: string },
        })),
      ),
    };
  }

  it('answers 503 database-unavailable while PostgreSQL is down, and serves again once it is back', async () => {
    const before = await touchDatabase();
    expect(before.answers.map((a) => a.status)).toEqual([200, 200, 200]);

    await postgres.stop();
    for (let round = 0; round < 3; round++) {
      const down = await touchDatabase();
      for (const answer of down.answers) {
        expect(answer).toMatchObject({
          status: 503,
          type: 'application/problem+json; charset=utf-8',
          retryAfter: '5',
          body: { code: 'database-unavailable' },
        });
      }
      expect(down.ms).toBeLessThan(CONNECT_TIMEOUT_MS + 2_000);
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200); // the process itself is up

    await postgres.start();
    let after = await touchDatabase();
    for (let i = 0; i < 50 && after.answers.some((a) => a.status !== 200); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await touchDatabase();
    }
    expect(after.answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(node.child.exitCode).toBeNull();
    expect(node.output()).not.toContain('"statusCode":500');
  }, 60_000);
});
