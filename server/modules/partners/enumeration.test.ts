import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, mobileSequence } from '../../../test/helpers/citizen.js';
import {
  consent,
  type PartnerClient,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
  registeredPerson,
} from '../../../test/helpers/partners.js';
import type { Session } from '../../../test/helpers/staff.js';
import { expectProblem } from '../../../test/security/problem.js';

let t: PartnerTestApp;
let admin: Session;
const nextMobile = mobileSequence('97531');

beforeAll(async () => {
  // The default window and limit: 50 distinct persons an hour.
  t = await partnerTestApp({ TEEKA_OTP_PER_MOBILE: '100' });
  admin = await t.staff.nationalAdmin();
});
afterAll(() => t.close());

const ask = (token: string, mobile: string, ref = '12345678901234') =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/partners/consents',
    headers: bearer(token),
    payload: {
      mobile,
      beneficiary_reference_id: ref,
      scope: 'vaccination-status:consented',
      purpose: 'Employer vaccination check',
    },
  });
const clientRow = (client: PartnerClient) =>
  t.database.db
    .selectFrom('partner_clients')
    .select(['status', 'status_reason'])
    .where('client_id', '=', client.client_id)
    .executeTakeFirstOrThrow();

describe('enumeration detection', () => {
  it('suspends a client that asks about 200 different mobiles, refuses it, records and alerts', async () => {
    const client = await registerClient(t, admin, { name: 'Enumerator Ltd' });
    const token = await partnerToken(t, client);
    const mobiles = Array.from({ length: 200 }, nextMobile);
    const statuses: number[] = [];
    for (const mobile of mobiles)
      statuses.push((await ask(token, mobile, '12345678901234')).statusCode);
    expect(statuses.slice(0, 50).every((s) => s === 202)).toBe(true);
    expect(statuses.slice(50).every((s) => s === 403)).toBe(true);
    expect(await clientRow(client)).toEqual({ status: 'suspended', status_reason: 'enumeration' });

    // Every further call is refused, whatever it asks for.
    const availability = await t.app.inject({
      url: '/api/v1/partners/availability/findByDistrict?district_id=294&date=02-03-2026',
      headers: bearer(token),
    });
    expectProblem(availability, 403, 'partner-suspended');
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/partners/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      payload: { grant_type: 'client_credentials' },
    });
    expect(again.json()).toMatchObject({ status: 401, error: 'invalid_client' });

    // Recorded: one suspension, the refusals, and no SMS past the limit.
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'reason', 'actor_type'])
      .where('action', 'in', ['partner.client.suspend', 'partner.call'])
      .execute();
    expect(audit.filter((r) => r.action === 'partner.client.suspend')).toEqual([
      { action: 'partner.client.suspend', reason: 'enumeration', actor_type: 'system' },
    ]);
    expect(audit.filter((r) => r.reason === 'enumeration-detected').length).toBe(1);
    expect(audit.filter((r) => r.reason === 'client-suspended').length).toBe(150);
    const texted = new Set((await t.outbox.messages()).map((m) => m.to));
    expect(mobiles.filter((m) => texted.has(m)).length).toBe(50);

    // The alert is on the admin API; the error log names the client, never a person.
    const alerts = await t.app.inject({
      url: '/api/v1/admin/partners/alerts',
      headers: admin.headers,
    });
    expect(alerts.json<{ alerts: unknown[] }>().alerts).toEqual([
      expect.objectContaining({
        client_id: client.client_id,
        client_name: 'Enumerator Ltd',
        kind: 'enumeration',
        details: expect.objectContaining({ limit: 50, mobile: 51 }) as unknown,
        resolved_at: null,
      }),
    ]);
    const errors = t.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors.length).toBe(1);
    expect(errors[0]).toContain(client.client_id);
    for (const line of t.logs) for (const mobile of mobiles) expect(line).not.toContain(mobile);
    // Counted by blind index: no identifier is stored in clear.
    const seen = await t.database.db.selectFrom('partner_subjects_seen').selectAll().execute();
    const stored = JSON.stringify(seen);
    expect(mobiles.some((m) => stored.includes(m))).toBe(false);
    expect(stored).not.toContain('12345678901234');

    // Reinstated by an admin (step-up): calls work again and the alert is resolved.
    admin = await t.staff.login(admin.username, admin.password, admin.secret);
    const reinstate = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/partners/clients/${client.client_id}/reinstate`,
      headers: admin.headers,
      payload: { reason: 'partner fixed its batch job' },
    });
    expect(reinstate.json()).toMatchObject({
      status: 'active',
      status_reason: 'partner fixed its batch job',
    });
    expect((await ask(await partnerToken(t, client), nextMobile())).statusCode).toBe(202);
    const resolved = await t.app.inject({
      url: '/api/v1/admin/partners/alerts',
      headers: admin.headers,
    });
    expect(
      resolved.json<{ alerts: { resolved_at: string | null }[] }>().alerts[0]?.resolved_at,
    ).not.toBeNull();
  });

  it('counts a person asked again once, and forgets people once the window has passed', async () => {
    const client = await registerClient(t, admin);
    let token = await partnerToken(t, client);
    const mobile = nextMobile();
    for (let i = 0; i < 60; i++) expect((await ask(token, mobile)).statusCode).toBe(202);
    for (let i = 0; i < 49; i++) expect((await ask(token, nextMobile())).statusCode).toBe(202);
    t.clock.advance(3601_000);
    token = await partnerToken(t, client);
    for (let i = 0; i < 50; i++) expect((await ask(token, nextMobile())).statusCode).toBe(202);
    expect((await clientRow(client)).status).toBe('active');
    expectProblem(await ask(token, nextMobile()), 403, 'partner-suspended');
    admin = await t.staff.login(admin.username, admin.password, admin.secret);
  });

  it('suspends a client reading about more beneficiary ids than the limit', async () => {
    const client = await registerClient(t, admin, { name: 'Id Walker' });
    const mobile = nextMobile();
    const { ref } = await registeredPerson(t, mobile);
    const token = await partnerToken(t, client);
    const given = await consent(t, token, { mobile, ref, scope: 'vaccination-status:consented' });
    const read = (beneficiary: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/partners/vaccination-status',
        headers: bearer(token),
        payload: { consent_id: given.consent_id, beneficiary_reference_id: beneficiary },
      });
    const codes: number[] = [];
    for (let i = 0; i < 51; i++)
      codes.push((await read(String(20_000_000_000_000 + i))).statusCode);
    expect(codes.slice(0, 49).every((c) => c === 403)).toBe(true);
    expectProblem(await read(ref), 403, 'partner-suspended');
    expect(await clientRow(client)).toEqual({ status: 'suspended', status_reason: 'enumeration' });
  });
});
