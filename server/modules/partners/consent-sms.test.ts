import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, mobileSequence } from '../../../test/helpers/citizen.js';
import {
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
} from '../../../test/helpers/partners.js';
import { expectProblem } from '../../../test/security/problem.js';

const nextMobile = mobileSequence('98764');

/** An SMS gateway that answers `status` and keeps what it was sent. */
let status = 500;
const received: { to: string; text: string }[] = [];
const gateway = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    received.push(JSON.parse(body) as { to: string; text: string });
    response.writeHead(status).end();
  });
});

let t: PartnerTestApp;
let token: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  t = await partnerTestApp({
    TEEKA_SMS_GATEWAY_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`,
    TEEKA_SMS_GATEWAY_TOKEN: 'gateway-secret-1',
    // The most a request may wait: on a loaded machine the gateway's answer still comes in it.
    TEEKA_SMS_WAIT_MS: '5000',
  });
  const client = await registerClient(t, await t.staff.nationalAdmin(), { name: 'Acme Health' });
  token = await partnerToken(t, client);
});
afterAll(async () => {
  await t.close();
  gateway.closeAllConnections();
  await new Promise((resolve) => gateway.close(resolve));
});

const ask = (mobile: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/partners/consents',
    headers: bearer(token),
    payload: {
      mobile,
      beneficiary_reference_id: '12345678901234',
      scope: 'vaccination-status:consented',
      purpose: 'Employer vaccination check',
    },
  });
const consentOtps = async () =>
  /teeka_otps_sent_total\{purpose="partner-consent"\} (\d+)/.exec(
    (await t.app.inject('/metrics')).body,
  )?.[1] ?? '0';
const pending = () => t.database.db.selectFrom('outbox_events').select('id').execute();

describe('consent SMS through the outbox', () => {
  it('a refusing sender gives 503, counts no OTP, and the SMS is never sent later', async () => {
    status = 500;
    const mobile = nextMobile();
    expectProblem(await ask(mobile), 503, 'sms-unavailable');
    expect(received.map((m) => m.to)).toEqual([mobile]);
    expect(await consentOtps()).toBe('0');
    // Nothing is left for a relay to retry: the partner was told to ask again.
    expect(await pending()).toEqual([]);
    // Past the relay's polls and the writing node's first second: still the one try.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received).toHaveLength(1);
  });

  it('a sender that takes it gets the SMS once, during the request, counted once', async () => {
    status = 200;
    received.length = 0;
    const mobile = nextMobile();
    const asked = await ask(mobile);
    expect(asked.statusCode).toBe(202);
    expect(received.map((m) => m.to)).toEqual([mobile]);
    expect(received[0]?.text).toContain('Acme Health');
    expect(await consentOtps()).toBe('1');
    expect(await pending()).toEqual([]);
    const handled = await t.database.db
      .selectFrom('processed_events')
      .select(['consumer', 'topic', 'outcome'])
      .execute();
    expect(handled).toEqual([{ consumer: 'sms', topic: 'notification.sms', outcome: 'done' }]);
  });
});
