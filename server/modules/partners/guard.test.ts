import { createHmac, randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer } from '../../../test/helpers/citizen.js';
import {
  basic,
  type PartnerClient,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
} from '../../../test/helpers/partners.js';
import { type Session } from '../../../test/helpers/staff.js';
import { expectProblem } from '../../../test/security/problem.js';

/** Every refusal of the partner guard, each answered with a clear 4xx and recorded. */
const AVAILABILITY = '/api/v1/partners/availability/findByDistrict?district_id=294&date=02-03-2026';

const refusals = (t: PartnerTestApp, reason: string) =>
  t.database.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'actor_org', 'outcome', 'reason'])
    .where('action', '=', 'partner.call')
    .where('reason', '=', reason)
    .execute();

describe('the partner guard, without a trusted proxy', () => {
  let t: PartnerTestApp;
  let manager: Session;
  beforeAll(async () => {
    t = await partnerTestApp();
    const admin = await t.staff.nationalAdmin();
    manager = await t.staff.member(admin, 'partner.manager', [{ role: 'partner-manager' }]);
  });
  afterAll(() => t.close());

  const call = (token: string | undefined, remoteAddress = '127.0.0.1', extra = {}) =>
    t.app.inject({
      url: AVAILABILITY,
      remoteAddress,
      headers: { ...(token ? bearer(token) : {}), ...extra },
    });

  it('lets an allowed client in, with public data only', async () => {
    const client = await registerClient(t, manager);
    const response = await call(await partnerToken(t, client));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ sessions: [] });
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses a missing, forged or alg-none token (401)', async () => {
    const missing = await call(undefined);
    expectProblem(missing, 401, 'token-missing');
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer realm="teeka-partner"/);
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: 'pc_AAAAAAAAAAAAAAAA',
      aud: 'teeka:partner',
      iss: 'teeka',
      exp: now + 300,
      scope: 'availability:read',
      gen: 1,
      jti: 'x',
      iat: now,
    };
    const body = `${part({ alg: 'HS256', typ: 'at+jwt' })}.${part(claims)}`;
    const forged = `${body}.${createHmac('sha256', randomBytes(32)).update(body).digest('base64url')}`;
    expectProblem(await call(forged), 401, 'token-invalid');
    expectProblem(await call(`${part({ alg: 'none' })}.${part(claims)}.`), 401, 'token-invalid');
    expect((await refusals(t, 'token-invalid')).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses an expired token (401 token-expired), recorded', async () => {
    const client = await registerClient(t, manager);
    const token = await partnerToken(t, client);
    t.clock.advance(299_000);
    expect((await call(token)).statusCode).toBe(200);
    t.clock.advance(1_000);
    expectProblem(await call(token), 401, 'token-expired');
    expect((await refusals(t, 'token-expired')).length).toBe(1);
    // Staff sessions in this file were made on this clock; a fresh one for later tests.
    manager = await t.staff.login(manager.username, manager.password, manager.secret);
  });

  it('refuses a call from outside the allow-list (403), recorded against the client', async () => {
    const client = await registerClient(t, manager, {
      allow_list: ['192.0.2.0/24', '2001:db8::/32'],
    });
    const token = await partnerToken(t, client, undefined, { remoteAddress: '192.0.2.10' });
    expect((await call(token, '192.0.2.10')).statusCode).toBe(200);
    expect((await call(token, '2001:db8::5')).statusCode).toBe(200);
    expect((await call(token, '::ffff:192.0.2.77')).statusCode).toBe(200);
    expectProblem(await call(token, '198.51.100.1'), 403, 'partner-address-not-allowed');
    expectProblem(await call(token, '2001:db9::5'), 403, 'partner-address-not-allowed');
    const [row] = await refusals(t, 'outside-allow-list');
    expect(row).toMatchObject({
      actor_type: 'partner',
      actor_id: client.client_id,
      outcome: 'denied',
    });
  });

  it('issues tokens only to an allowed address, ignoring a forged X-Forwarded-For', async () => {
    const client = await registerClient(t, manager, { allow_list: ['192.0.2.0/24'] });
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/partners/token',
      remoteAddress: '198.51.100.1',
      headers: { ...basic(client), 'x-forwarded-for': '192.0.2.10' },
      payload: { grant_type: 'client_credentials' },
    });
    expectProblem(refused, 403, 'oauth-unauthorized-client');
    expect(refused.json()).toMatchObject({ error: 'unauthorized_client' });
  });

  it('ignores a forged X-Forwarded-For when no proxy is trusted', async () => {
    const client = await registerClient(t, manager, { allow_list: ['192.0.2.0/24'] });
    const token = await partnerToken(t, client, undefined, { remoteAddress: '192.0.2.10' });
    const forged = await call(token, '198.51.100.1', { 'x-forwarded-for': '192.0.2.10' });
    expectProblem(forged, 403, 'partner-address-not-allowed');
  });

  it('refuses a scope the token does not hold, even if the client has it (403), recorded', async () => {
    const client = await registerClient(t, manager);
    const token = await partnerToken(t, client, 'certificate:verify');
    expectProblem(await call(token), 403, 'insufficient-scope');
    const narrow = await registerClient(t, manager, { scopes: ['certificate:verify'] });
    expectProblem(await call(await partnerToken(t, narrow)), 403, 'insufficient-scope');
    expect((await refusals(t, 'scope-not-granted')).length).toBe(2);
  });

  it('refuses calls over the per-minute quota with 429 and Retry-After, recorded', async () => {
    const client: PartnerClient = await registerClient(t, manager, { per_minute: 3, per_day: 5 });
    const token = await partnerToken(t, client);
    for (let i = 0; i < 3; i++) expect((await call(token)).statusCode).toBe(200);
    const over = await call(token);
    expectProblem(over, 429, 'partner-quota');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await refusals(t, 'quota-minute')).length).toBe(1);
    // The quota is the client's own: another client is not affected.
    const other = await registerClient(t, manager, { per_minute: 3, per_day: 5 });
    expect((await call(await partnerToken(t, other))).statusCode).toBe(200);
  });

  it('refuses a suspended client (403) until it is reinstated', async () => {
    const client = await registerClient(t, manager);
    const token = await partnerToken(t, client);
    const suspend = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/partners/clients/${client.client_id}/suspend`,
      headers: manager.headers,
      payload: { reason: 'investigation' },
    });
    expect(suspend.json()).toMatchObject({ status: 'suspended' });
    expectProblem(await call(token), 403, 'partner-suspended');
    const reinstate = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/partners/clients/${client.client_id}/reinstate`,
      headers: manager.headers,
      payload: { reason: 'cleared' },
    });
    expect(reinstate.json()).toMatchObject({ status: 'active' });
    expect((await call(token)).statusCode).toBe(200);
  });
});

describe('the partner guard behind a trusted proxy', () => {
  let t: PartnerTestApp;
  let client: PartnerClient;
  beforeAll(async () => {
    t = await partnerTestApp({ TRUST_PROXY: '10.0.0.1' });
    const admin = await t.staff.nationalAdmin();
    client = await registerClient(t, admin, { allow_list: ['192.0.2.0/24'] });
  });
  afterAll(() => t.close());

  it('takes the client address from X-Forwarded-For only when the proxy sent it', async () => {
    const token = await partnerToken(t, client, undefined, {
      remoteAddress: '10.0.0.1',
      headers: { 'x-forwarded-for': '192.0.2.10' },
    });
    const via = (remoteAddress: string, forwardedFor: string) =>
      t.app.inject({
        url: AVAILABILITY,
        remoteAddress,
        headers: { ...bearer(token), 'x-forwarded-for': forwardedFor },
      });
    expect((await via('10.0.0.1', '192.0.2.10')).statusCode).toBe(200);
    expectProblem(await via('10.0.0.1', '198.51.100.1'), 403, 'partner-address-not-allowed');
    // Not the proxy: its X-Forwarded-For is a forgery and the socket address counts.
    expectProblem(await via('198.51.100.9', '192.0.2.10'), 403, 'partner-address-not-allowed');
  });
});
