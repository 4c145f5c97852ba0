import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer } from '../../../test/helpers/citizen.js';
import {
  basic,
  clientBody,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
} from '../../../test/helpers/partners.js';
import { auditRows, type Session } from '../../../test/helpers/staff.js';
import { expectProblem } from '../../../test/security/problem.js';

let t: PartnerTestApp;
let admin: Session;
let manager: Session;
let vaccinator: Session;

beforeAll(async () => {
  t = await partnerTestApp();
  admin = await t.staff.nationalAdmin();
  manager = await t.staff.member(admin, 'partner.manager', [{ role: 'partner-manager' }]);
  vaccinator = await t.staff.member(admin, 'vacc.one', [{ role: 'vaccinator', district_id: 294 }]);
});
afterAll(() => t.close());

const create = (session: Session, body: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/admin/partners/clients',
    headers: session.headers,
    payload: body,
  });
const clientCount = async () =>
  (await t.database.db.selectFrom('partner_clients').select('client_id').execute()).length;
const token = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/partners/token',
    headers,
    payload: payload as Record<string, unknown>,
  });

describe('registering partner clients', () => {
  it('shows the secret once, stores only a keyed hash, and lists clients without secrets', async () => {
    const created = await registerClient(t, manager);
    expect(created.client_id).toMatch(/^pc_/);
    expect(created.client_secret).toMatch(/^pcs_[A-Za-z0-9_-]{43}$/);
    const row = await t.database.db
      .selectFrom('partner_clients')
      .selectAll()
      .where('client_id', '=', created.client_id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(created.client_secret);
    expect(row.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const list = await t.app.inject({
      url: '/api/v1/admin/partners/clients',
      headers: admin.headers,
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(created.client_id);
    expect(list.body).not.toContain(created.client_secret);
    expect(list.body).not.toContain('secret');
    const one = await t.app.inject({
      url: `/api/v1/admin/partners/clients/${created.client_id}`,
      headers: manager.headers,
    });
    expect(one.json()).toMatchObject({ client_id: created.client_id, status: 'active' });
    expect(one.body).not.toContain(created.client_secret);
    const [audited] = (await auditRows(t.database.db, 'partner.client.create')).slice(-1);
    expect(audited).toMatchObject({ actor_type: 'staff', subject_id: created.client_id });
  });

  it.each([
    ['a malformed IPv4 CIDR', { allow_list: ['10.0.0.0/33'] }],
    ['host bits set', { allow_list: ['10.0.0.1/8'] }],
    ['host bits set in IPv6', { allow_list: ['2001:db8::1/32'] }],
    ['an absurd prefix', { allow_list: ['0.0.0.0/0'] }],
    ['an IPv6 half the Internet', { allow_list: ['::/1'] }],
    ['an octal address', { allow_list: ['010.0.0.0/8'] }],
    ['a short address', { allow_list: ['10.1/16'] }],
    ['not an address', { allow_list: ['example.com'] }],
    ['two slashes', { allow_list: ['10.0.0.0/8/8'] }],
    ['a zone index', { allow_list: ['fe80::1%eth0'] }],
    ['no entries', { allow_list: [] }],
    ['an unknown scope', { scopes: ['availability:read', 'everything:read'] }],
    ['a scope twice', { scopes: ['availability:read', 'availability:read'] }],
    ['no scopes', { scopes: [] }],
    ['a zero quota', { per_minute: 0 }],
    ['an absurd per-minute quota', { per_minute: 10_000_000 }],
    ['an absurd daily quota', { per_day: 1e12 }],
    ['a fractional quota', { per_minute: 1.5 }],
    ['a daily quota below the minute one', { per_minute: 100, per_day: 10 }],
    ['a contact that is no e-mail', { contact: 'call me' }],
    ['a control character in the name', { name: 'Bad\u0007App' }],
    ['an unknown field', { admin: true }],
  ])('refuses %s with 400 and creates nothing', async (_label, overrides) => {
    const before = await clientCount();
    const response = await create(manager, clientBody(overrides));
    expectProblem(response, 400);
    expect(await clientCount()).toBe(before);
  });

  it('accepts IPv4 and IPv6 networks and single addresses, stored in canonical form', async () => {
    const created = await registerClient(t, manager, {
      allow_list: ['192.0.2.0/24', '198.51.100.7', '2001:DB8:0:0::/64', '::1'],
    });
    const row = await t.database.db
      .selectFrom('partner_clients')
      .select('allow_list')
      .where('client_id', '=', created.client_id)
      .executeTakeFirstOrThrow();
    expect(row.allow_list).toEqual(['192.0.2.0/24', '198.51.100.7/32', '2001:db8::/64', '::1/128']);
  });

  it('refuses a second client of the same name (409) and roles that do not manage partners (403)', async () => {
    const body = clientBody();
    expect((await create(manager, body)).statusCode).toBe(201);
    expectProblem(
      await create(manager, { ...body, name: body.name.toUpperCase() }),
      409,
      'partner-name-taken',
    );
    expectProblem(await create(vaccinator, clientBody()), 403, 'forbidden');
    const list = await t.app.inject({
      url: '/api/v1/admin/partners/clients',
      headers: vaccinator.headers,
    });
    expectProblem(list, 403, 'forbidden');
    expectProblem(await t.app.inject({ url: '/api/v1/admin/partners/clients' }), 401);
  });

  it('needs a fresh second factor to create, rotate, revoke or reinstate', async () => {
    const created = await registerClient(t, manager);
    t.clock.advance(6 * 60_000);
    expectProblem(await create(manager, clientBody()), 403, 'step-up-required');
    for (const [verb, payload] of [
      ['rotate-secret', undefined],
      ['revoke', { reason: 'contract ended' }],
      ['reinstate', { reason: 'contract renewed' }],
    ] as const) {
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/admin/partners/clients/${created.client_id}/${verb}`,
        headers: manager.headers,
        ...(payload ? { payload } : {}),
      });
      expectProblem(response, 403, 'step-up-required');
    }
    manager = await t.staff.login(manager.username, manager.password, manager.secret);
  });
});

describe('POST /api/v1/partners/token (client credentials)', () => {
  it('issues a 5-minute token by HTTP Basic, a form body or a JSON body', async () => {
    const client = await registerClient(t, manager);
    const viaBasic = await token({ grant_type: 'client_credentials' }, basic(client));
    expect(viaBasic.statusCode).toBe(200);
    expect(viaBasic.headers['cache-control']).toBe('no-store');
    expect(viaBasic.json()).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const viaForm = await t.app.inject({
      method: 'POST',
      url: '/api/v1/partners/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: client.client_secret,
        scope: 'availability:read',
      }).toString(),
    });
    expect(viaForm.statusCode, viaForm.body).toBe(200);
    expect(viaForm.json()).toMatchObject({ scope: 'availability:read' });
    const viaJson = await token({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(viaJson.statusCode).toBe(200);
    const issued = await auditRows(t.database.db, 'partner.token.issue');
    expect(issued.at(-1)).toMatchObject({
      actor_type: 'partner',
      actor_id: client.client_id,
      outcome: 'allowed',
    });
  });

  it('answers RFC 6749 errors as problem+json with error and error_description', async () => {
    const client = await registerClient(t, manager);
    const wrong = await token(
      { grant_type: 'client_credentials' },
      basic({ ...client, client_secret: `pcs_${'A'.repeat(43)}` }),
    );
    expectProblem(wrong, 401, 'oauth-invalid-client');
    expect(wrong.json()).toMatchObject({ error: 'invalid_client' });
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    const grant = await token({ grant_type: 'password' }, basic(client));
    expectProblem(grant, 400, 'oauth-unsupported-grant-type');
    expect(grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const scope = await token(
      { grant_type: 'client_credentials', scope: 'everything' },
      basic(client),
    );
    expect(scope.json()).toMatchObject({ status: 400, error: 'invalid_scope' });
    const notGranted = await token(
      { grant_type: 'client_credentials', scope: 'reports:aggregate' },
      basic(client),
    );
    expect(notGranted.json()).toMatchObject({ status: 400, error: 'invalid_scope' });
    const both = await token(
      {
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: client.client_secret,
      },
      basic(client),
    );
    expect(both.json()).toMatchObject({ status: 400, error: 'invalid_request' });
    const unknown = await token({
      grant_type: 'client_credentials',
      client_id: 'pc_AAAAAAAAAAAAAAAA',
      client_secret: client.client_secret,
    });
    expect(unknown.json()).toMatchObject({ status: 401, error: 'invalid_client' });
    const repeated = await t.app.inject({
      method: 'POST',
      url: '/api/v1/partners/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&grant_type=password',
    });
    expectProblem(repeated, 400);
    const denied = await auditRows(t.database.db, 'partner.token.issue');
    expect(denied.some((r) => r.outcome === 'denied' && r.reason === 'wrong-secret')).toBe(true);
  });

  it('throttles wrong secrets per client, even when the right one comes next', async () => {
    const client = await registerClient(t, manager);
    const wrong = basic({ ...client, client_secret: `pcs_${'B'.repeat(43)}` });
    for (let i = 0; i < 10; i++) {
      expect((await token({ grant_type: 'client_credentials' }, wrong)).statusCode).toBe(401);
    }
    const blocked = await token({ grant_type: 'client_credentials' }, basic(client));
    expectProblem(blocked, 429, 'rate-limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('rotation ends the old secret and every token issued under it; revocation ends the client', async () => {
    const client = await registerClient(t, manager);
    const before = await partnerToken(t, client, 'availability:read');
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/partners/clients/${client.client_id}/rotate-secret`,
      headers: manager.headers,
    });
    expect(rotated.statusCode).toBe(200);
    const secret = rotated.json<{ client_secret: string }>().client_secret;
    expect(secret).not.toBe(client.client_secret);
    expect((await token({ grant_type: 'client_credentials' }, basic(client))).statusCode).toBe(401);
    const availability = (bearerToken: string) =>
      t.app.inject({
        url: '/api/v1/partners/availability/findByDistrict?district_id=294&date=02-03-2026',
        headers: bearer(bearerToken),
      });
    expectProblem(await availability(before), 401, 'token-invalid');
    const after = await partnerToken(t, { ...client, client_secret: secret }, 'availability:read');
    expect((await availability(after)).statusCode).toBe(200);

    const revoked = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/partners/clients/${client.client_id}/revoke`,
      headers: manager.headers,
      payload: { reason: 'contract ended' },
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked', status_reason: 'contract ended' });
    expectProblem(await availability(after), 403, 'partner-revoked');
    const again = await token(
      { grant_type: 'client_credentials' },
      basic({ ...client, client_secret: secret }),
    );
    expect(again.json()).toMatchObject({ status: 401, error: 'invalid_client' });
    const reinstate = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/partners/clients/${client.client_id}/reinstate`,
      headers: manager.headers,
      payload: { reason: 'try to undo a revocation' },
    });
    expectProblem(reinstate, 409, 'partner-status-conflict');
  });
});
