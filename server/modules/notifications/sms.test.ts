import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testApp } from '../../../test/helpers/app.js';
import {
  type CitizenTestApp,
  citizenTestApp,
  generateOtp,
  mobileSequence,
  smsOutbox,
} from '../../../test/helpers/citizen.js';
import { freshDatabase } from '../../../test/helpers/db.js';
import { testBus } from '../../../test/helpers/events.js';
import { loadConfig } from '../../config.js';
import { manualClock } from '../../platform/clock.js';
import { createSms } from '../../platform/sms.js';
import { queueSms, smsConsumer } from './sms.js';

const nextMobile = mobileSequence('98123');

/** An SMS gateway that answers `status`, or holds each message until the test lets it go. */
let status = 200;
let hold = false;
const held: ServerResponse[] = [];
const received: string[] = [];
const gateway = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    received.push(body);
    if (hold) held.push(response);
    else response.writeHead(status).end();
  });
});
let gatewayUrl = '';
let t: CitizenTestApp;
beforeAll(async () => {
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`;
  t = await citizenTestApp();
});
afterAll(async () => {
  await t.close();
  gateway.closeAllConnections();
  await new Promise((resolve) => gateway.close(resolve));
});

const waitFor = async (check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await check()); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(await check()).toBe(true);
};

const gatewayApp = (env: Record<string, string> = {}) =>
  testApp({
    TEEKA_SMS_GATEWAY_URL: gatewayUrl,
    TEEKA_SMS_GATEWAY_TOKEN: 'gateway-secret-1',
    TEEKA_OTP_PER_IP: '1000',
    ...env,
  });

describe('OTP SMS through the outbox', () => {
  it('is sent once, recorded as handled, counted, and leaves nothing in the outbox', async () => {
    const mobile = nextMobile();
    expect((await generateOtp(t.app, mobile)).statusCode).toBe(200);
    expect((await t.outbox.messages()).filter((m) => m.to === mobile)).toHaveLength(1);
    expect(await t.database.db.selectFrom('outbox_events').selectAll().execute()).toEqual([]);
    const handled = await t.database.db
      .selectFrom('processed_events')
      .select(['consumer', 'topic', 'outcome'])
      .execute();
    expect(handled).toEqual([{ consumer: 'sms', topic: 'notification.sms', outcome: 'done' }]);
    const metrics = (await t.app.inject('/metrics')).body;
    expect(metrics).toContain('teeka_sms_sent_total{kind="otp"} 1');
    expect(metrics).toMatch(/teeka_outbox_pending 0/);
  });

  it('a slow gateway does not hold generateOTP: the answer comes while the gateway still holds the message', async () => {
    const slow = await gatewayApp({ TEEKA_SMS_WAIT_MS: '50' });
    try {
      received.length = 0;
      hold = true;
      const response = await generateOtp(slow.app, nextMobile());
      expect(response.statusCode).toBe(200);
      await waitFor(() => held.length === 1);
      expect(await slow.database.db.selectFrom('processed_events').selectAll().execute()).toEqual(
        [],
      );
      hold = false;
      held.shift()?.writeHead(202).end();
      await waitFor(
        async () =>
          (await slow.database.db.selectFrom('processed_events').selectAll().execute()).length ===
          1,
      );
      expect(received).toHaveLength(1);
      expect(await slow.database.db.selectFrom('outbox_events').selectAll().execute()).toEqual([]);
    } finally {
      hold = false;
      for (const response of held.splice(0)) response.writeHead(500).end();
      await slow.close();
    }
  });

  it('a refused OTP is answered 503 and never sent later', async () => {
    const refusing = await gatewayApp();
    try {
      received.length = 0;
      status = 500;
      const response = await generateOtp(refusing.app, nextMobile());
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'sms-unavailable' });
      expect(received).toHaveLength(1);
      // Nothing is left for a retry to send: the caller was told to ask again.
      expect(await refusing.database.db.selectFrom('outbox_events').selectAll().execute()).toEqual(
        [],
      );
    } finally {
      status = 200;
      await refusing.close();
    }
  });

  it('an OTP whose SMS could only go out after it expired is not sent', async () => {
    const database = await freshDatabase();
    const outbox = await smsOutbox();
    try {
      const clock = manualClock(new Date('2026-06-01T10:00:00Z'));
      const sms = createSms(
        loadConfig({ TEEKA_SMS_OUTBOX: outbox.file }),
        pino({ level: 'silent' }),
      );
      const { bus, count } = testBus(database.db, { clock });
      bus.register(smsConsumer({ sms, clock, metrics: undefined }));
      const message = (minutes: number) => ({
        to: '9812300001',
        text: `code ${minutes}`,
        kind: 'otp' as const,
        at: clock.now().toISOString(),
        expiresAt: new Date(clock.now().getTime() + minutes * 60_000).toISOString(),
      });
      await database.db.transaction().execute(async (tx) => {
        await queueSms(bus.outbox, tx, 'ref', message(3));
        await queueSms(bus.outbox, tx, 'ref', message(5));
      });
      clock.advance(4 * 60_000); // the node was down for 4 minutes
      await bus.drain();
      expect((await outbox.messages()).map((m) => m.text)).toEqual(['code 5']);
      expect(await count('teeka_events_consumed_total', { consumer: 'sms', outcome: 'done' })).toBe(
        2,
      );
    } finally {
      await database.close();
      await outbox.remove();
    }
  });
});
