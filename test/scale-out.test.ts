import { randomBytes } from 'node:crypto';

import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type SmsOutbox, smsOutbox } from './helpers/citizen.js';
import { counterSum, startTeekaCli } from './helpers/cluster.js';
import { engine, freshDatabase } from './helpers/db.js';
import { natsPrefix } from './helpers/events.js';
import { freePort, startTeeka, waitForHealth } from './helpers/process.js';

const { REDIS_URL, NATS_URL } = process.env;
const otp = (url: string, mobile: string) =>
  fetch(`${url}/api/v2/auth/public/generateOTP`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mobile }),
  });

/**
 * Two Teeka processes on this machine sharing PostgreSQL, Redis and NATS JetStream, as two
 * nodes behind a load balancer do. Runs when all three are configured (CI's PostgreSQL run).
 */
describe.runIf(engine === 'postgres' && REDIS_URL && NATS_URL)(
  'two nodes on PostgreSQL + Redis + NATS',
  () => {
    let database: Awaited<ReturnType<typeof freshDatabase>>;
    let outbox: SmsOutbox;
    let env: Record<string, string>;
    const prefix = natsPrefix();
    const nodes: ReturnType<typeof startTeeka>[] = [];
    const urls: string[] = [];

    beforeAll(async () => {
      database = await freshDatabase();
      outbox = await smsOutbox();
      env = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        TEEKA_DEMO_SEED: 'false',
        TEEKA_MASTER_KEY: `test:${randomBytes(32).toString('base64')}`,
        TEEKA_SMS_OUTBOX: outbox.file,
        DATABASE_URL: database.url ?? '',
        REDIS_URL: REDIS_URL ?? '',
        TEEKA_REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}`,
        NATS_URL: NATS_URL ?? '',
        TEEKA_NATS_PREFIX: prefix,
        // One client address sends everything here: the per-address limits would be the test.
        TEEKA_OTP_PER_IP: '100000',
        TEEKA_IP_RATE_LIMIT: '1000000',
        TEEKA_SHED_EVENT_LOOP_DELAY_MS: '0',
        TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
      };
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        nodes.push(startTeeka({ ...env, PORT: String(port) }));
        urls.push(`http://127.0.0.1:${port}`);
      }
      await Promise.all(urls.map((url) => waitForHealth(url)));
    }, 120_000);

    afterAll(async () => {
      for (const node of nodes) node.child.kill('SIGTERM');
      await Promise.all(nodes.map((node) => node.exited));
      const nc = await connect({ servers: NATS_URL });
      await (await nc.jetstreamManager()).streams.delete(`${prefix}-events`).catch(() => false);
      await nc.close();
      await outbox.remove();
      await database.close();
    }, 60_000);

    it('both nodes say they publish events to JetStream', () => {
      for (const node of nodes) expect(node.output()).toContain('events: NATS JetStream');
    });

    it('counts the per-mobile OTP limit across both nodes', async () => {
      const mobile = '9700000001';
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await otp(urls[i % 2] ?? '', mobile)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    });

    it('consumes each event once across the nodes: 50 OTP requests spread over both, 50 SMS, none twice', async () => {
      const mobiles = Array.from({ length: 50 }, (_, i) => `98${String(10_000_000 + i)}`);
      for (let batch = 0; batch < 50; batch += 10) {
        const answers = await Promise.all(
          mobiles.slice(batch, batch + 10).map((mobile, i) => otp(urls[i % 2] ?? '', mobile)),
        );
        expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      }
      const sentTo = async () =>
        (await outbox.messages()).map((m) => m.to).filter((to) => mobiles.includes(to));
      for (let i = 0; i < 400 && (await sentTo()).length < 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Time for a duplicate to show up, were there one.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const sent = await sentTo();
      expect(sent).toHaveLength(50);
      expect(new Set(sent)).toEqual(new Set(mobiles));

      const handled = await database.db
        .selectFrom('processed_events')
        .select(['outcome'])
        .where('consumer', '=', 'sms')
        .execute();
      expect(handled).toHaveLength(55); // with the 5 of the limit test
      expect(handled.every((h) => h.outcome === 'done')).toBe(true);
      expect(await database.db.selectFrom('outbox_events').selectAll().execute()).toEqual([]);

      const metrics = await Promise.all(
        urls.map(async (url) => (await fetch(`${url}/metrics`)).text()),
      );
      const total = (name: string, match: string) =>
        metrics.reduce((sum, text) => sum + counterSum(text, name, match), 0);
      expect(total('teeka_events_published_total', 'topic="notification.sms"')).toBe(55);
      expect(total('teeka_events_consumed_total', 'outcome="done"')).toBe(55);
      expect(total('teeka_sms_sent_total', 'kind="otp"')).toBe(55);
    });

    it('teeka serve --workers 2 runs two workers on one port and stops them all on SIGTERM', async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const served = startTeekaCli(['serve', '--workers', '2'], { ...env, PORT: String(port) });
      try {
        await waitForHealth(url);
        for (let i = 0; i < 100 && served.output().split('Teeka is serving').length < 3; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(served.output()).toContain('Teeka runs 2 workers');
        expect(served.output().split(`Teeka is serving ${url}`)).toHaveLength(3);
        const answers = await Promise.all(
          ['9600000001', '9600000002', '9600000003', '9600000004'].map((m) => otp(url, m)),
        );
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      } finally {
        served.child.kill('SIGTERM');
      }
      expect(await served.exited).toBe(0);
      expect(served.output().split('SIGTERM received')).toHaveLength(4); // the primary and each worker
    }, 90_000);
  },
);
