import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import {
  auditRows,
  type Session,
  staffClient,
  type TestClock,
  totp,
} from '../../../test/helpers/staff.js';
import { loadConfig } from '../../config.js';
import { buildApp } from '../../http/app.js';
import { manualClock } from '../../platform/clock.js';

let t: TestApp;
let clock: TestClock;
let staff: ReturnType<typeof staffClient>;
let admin: Session;

const PUT = '/api/v1/admin/kill-switch';

/**
 * A partner route as the partner module will have one (it is built beside this piece):
 * under /api/v1/partners/, and once its guard knows the client and scope, it asks the kill
 * switch. Here the client and scope come from the query.
 */
function addPartnerProbe(app: TestApp['app']) {
  app.get(
    '/api/v1/partners/probe',
    {
      schema: {
        hide: true,
        querystring: z.strictObject({
          client: z.string().optional(),
          scope: z.string().optional(),
        }),
      },
    },
    (request) => {
      app.killSwitch.assertOpen({
        surface: 'partners',
        ...(request.query.client ? { clientId: request.query.client } : {}),
        ...(request.query.scope ? { scope: request.query.scope } : {}),
      });
      return { ok: true };
    },
  );
}

/** One call per surface, each answering normally while its surface is on. */
const probes = {
  public: { method: 'GET', url: '/api/v2/admin/location/states', normal: 200 },
  // No token: the citizen guard answers 401 while on; the gate answers first while off.
  citizen: { method: 'GET', url: '/api/v2/appointment/beneficiaries', normal: 401 },
  // An empty body is a 400 while on: the gate runs before the body is validated.
  citizenLogin: { method: 'POST', url: '/api/v2/auth/public/generateOTP', normal: 400 },
  partners: { method: 'GET', url: '/api/v1/partners/probe', normal: 200 },
} as const;
type Probe = keyof typeof probes;

async function call(app: TestApp['app'], probe: Probe) {
  const { method, url } = probes[probe];
  return app.inject(method === 'POST' ? { method, url, payload: {} } : { method, url });
}

async function answers(app: TestApp['app'] = t.app) {
  const out: Record<string, number> = {};
  for (const probe of Object.keys(probes) as Probe[])
    out[probe] = (await call(app, probe)).statusCode;
  return out;
}

const allNormal: Record<string, number> = Object.fromEntries(
  Object.entries(probes).map(([k, v]) => [k, v.normal]),
);

function change(target: string, killSwitch: 'on' | 'off', session: Session = admin) {
  return t.app.inject({
    method: 'PUT',
    url: PUT,
    headers: session.headers,
    payload: { target, killSwitch, reason: `drill: ${target} ${killSwitch}` },
  });
}

/** A fresh second factor for the admin (the login's lasts 5 minutes). */
async function stepUp(session: Session = admin) {
  clock.advance(30_000);
  const response = await staff.post(
    '/api/v1/staff/auth/step-up',
    { code: totp(session.secret, clock) },
    session.headers,
  );
  expect(response.statusCode).toBe(200);
}

beforeAll(async () => {
  clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await testApp({}, { clock });
  addPartnerProbe(t.app);
  staff = staffClient(t, clock);
  admin = await staff.nationalAdmin('switch.admin');
});
afterAll(() => t.close());

describe('kill switch: each surface off and back on', () => {
  it('answers normally while nothing is switched off', async () => {
    expect(await answers()).toEqual(allNormal);
  });

  it.each([
    ['public', ['public']],
    ['citizen', ['citizen', 'citizenLogin']],
    ['all-partners', ['partners']],
  ] as const)(
    'switching %s off refuses its calls with 503 problem+json; the others, staff and operations still answer',
    async (target, refused) => {
      await stepUp();
      const off = await change(target, 'on');
      expect(off.statusCode, off.body).toBe(200);
      expect(off.json()).toMatchObject({
        changed: true,
        node: { version: off.json<{ version: number }>().version },
        switchedOff: [
          {
            target,
            reason: `drill: ${target} on`,
            by: { type: 'staff', id: admin.id },
          },
        ],
      });

      const expected = { ...allNormal };
      for (const probe of refused) expected[probe] = 503;
      expect(await answers()).toEqual(expected);

      const refusal = await call(t.app, refused[0]);
      expect(refusal.headers['content-type']).toContain('application/problem+json');
      expect(refusal.headers['retry-after']).toBeUndefined();
      const since = (off.json<{ switchedOff: { since: string }[] }>().switchedOff[0] ?? {}).since;
      const detail = expect.stringContaining(`switched off by the operators since ${since}`);
      expect(refusal.json()).toEqual({
        type: 'urn:teeka:problem:api-switched-off',
        title: 'Service Unavailable',
        status: 503,
        code: 'api-switched-off',
        detail,
        surface: target === 'all-partners' ? 'partners' : target,
        target,
        since,
        requestId: expect.any(String),
        // CoWIN v2 clients read errorCode and error (docs/cowin-v2.md).
        ...(probes[refused[0]].url.startsWith('/api/v2/')
          ? { errorCode: 'API_SWITCHED_OFF', error: detail }
          : {}),
      });
      // The operator's reason stays with the operators.
      expect(refusal.body).not.toContain('drill');

      for (const url of [
        '/healthz',
        '/readyz',
        '/api/v1/staff/auth/me',
        PUT,
        '/.well-known/jwks.json',
      ]) {
        const up = await t.app.inject({ url, headers: admin.headers });
        expect(up.statusCode, url).toBe(200);
      }

      const on = await change(target, 'off');
      expect(on.statusCode, on.body).toBe(200);
      expect(on.json()).toMatchObject({ changed: true, switchedOff: [] });
      expect(await answers()).toEqual(allNormal);
    },
  );

  it('switches one partner client or one scope off through the partner guard, and no other', async () => {
    await stepUp();
    expect((await change('client:acme-health', 'on')).statusCode).toBe(200);
    expect((await change('scope:vaccination-status:consented', 'on')).statusCode).toBe(200);
    const probe = (query: string) => t.app.inject({ url: `/api/v1/partners/probe?${query}` });

    const client = await probe('client=acme-health&scope=certificate:verify');
    expect(client.statusCode).toBe(503);
    expect(client.json()).toMatchObject({ surface: 'partners', target: 'client:acme-health' });
    const scope = await probe('client=other-app&scope=vaccination-status:consented');
    expect(scope.statusCode).toBe(503);
    expect(scope.json()).toMatchObject({ target: 'scope:vaccination-status:consented' });
    expect((await probe('client=other-app&scope=certificate:verify')).statusCode).toBe(200);
    expect((await call(t.app, 'public')).statusCode).toBe(200);

    expect((await change('client:acme-health', 'off')).statusCode).toBe(200);
    expect((await change('scope:vaccination-status:consented', 'off')).statusCode).toBe(200);
    expect((await probe('client=acme-health&scope=vaccination-status:consented')).statusCode).toBe(
      200,
    );
  });

  it('counts refusals by surface in the metrics', async () => {
    await stepUp();
    await change('public', 'on');
    await call(t.app, 'public');
    await change('public', 'off');
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/teeka_kill_switch_refused_total\{surface="public"\} [1-9]/);
  });
});

describe('kill switch: who may switch', () => {
  it('refuses a national admin without a fresh second factor, and changes nothing', async () => {
    clock.advance(6 * 60_000);
    const stale = await change('public', 'on');
    expect(stale.statusCode).toBe(403);
    expect(stale.json()).toMatchObject({ code: 'step-up-required' });
    expect((await call(t.app, 'public')).statusCode).toBe(200);
    const denied = (await auditRows(t.database.db, 'kill-switch.change')).at(-1);
    expect(denied).toMatchObject({
      actor_type: 'staff',
      actor_id: admin.id,
      outcome: 'denied',
      reason: 'step-up-required',
    });
  });

  it('refuses every other role with 403, even with a fresh second factor; anonymous callers get 401', async () => {
    await stepUp();
    const others = [
      await staff.member(admin, 'partner.mgr', [{ role: 'partner-manager' }]),
      await staff.member(admin, 'state.admin', [{ role: 'state-admin', state_id: 16 }]),
      await staff.member(admin, 'auditor.one', [{ role: 'auditor' }]),
    ];
    for (const other of others) {
      const put = await change('all-partners', 'on', other);
      expect(put.statusCode).toBe(403);
      expect(put.json()).toMatchObject({ code: 'forbidden' });
      const get = await t.app.inject({ url: PUT, headers: other.headers });
      expect(get.statusCode).toBe(403);
    }
    const anonymous = await t.app.inject({
      method: 'PUT',
      url: PUT,
      payload: { target: 'public', killSwitch: 'on', reason: 'no one' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await call(t.app, 'partners')).statusCode).toBe(200);
    const denials = (await auditRows(t.database.db, 'kill-switch.change')).filter(
      (row) => row.reason === 'outside-jurisdiction',
    );
    expect(denials.map((row) => row.actor_id)).toEqual(others.map((o) => o.id));
  });

  it.each([
    [{ target: 'everything', killSwitch: 'on', reason: 'a drill' }, 'body.target'],
    [{ target: 'scope:citizen:everything', killSwitch: 'on', reason: 'a drill' }, 'body.target'],
    [{ target: 'client:', killSwitch: 'on', reason: 'a drill' }, 'body.target'],
    [{ target: 'client:a b', killSwitch: 'on', reason: 'a drill' }, 'body.target'],
    [{ target: 'public', killSwitch: 'maybe', reason: 'a drill' }, 'body.killSwitch'],
    [{ target: 'public', killSwitch: 'on', reason: ' x ' }, 'body.reason'],
    [{ target: 'public', killSwitch: 'on', reason: 'line\nbreak' }, 'body.reason'],
    [{ target: 'public', killSwitch: 'on' }, 'body.reason'],
    [{ target: 'public', killSwitch: 'on', reason: 'a drill', force: true }, 'body'],
    [{ target: 7, killSwitch: 'on', reason: 'a drill' }, 'body.target'],
  ])('refuses %j with 400 naming %s, and changes nothing', async (payload, path) => {
    await stepUp();
    const response = await t.app.inject({
      method: 'PUT',
      url: PUT,
      headers: admin.headers,
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'invalid',
      errors: [expect.objectContaining({ path: expect.stringContaining(path) })],
    });
    const state = await t.app.inject({ url: PUT, headers: admin.headers });
    expect(state.json()).toMatchObject({ switchedOff: [] });
  });
});

describe('kill switch: audit trail and restarts', () => {
  it('records every switch with the staff actor, the target and the reason; a repeat changes nothing and says so', async () => {
    await stepUp();
    const first = await change('citizen', 'on');
    const again = await change('citizen', 'on');
    expect(again.json()).toMatchObject({
      changed: false,
      version: first.json<{ version: number }>().version,
    });
    await change('citizen', 'off');

    const engaged = (await auditRows(t.database.db, 'kill-switch.engage')).slice(-2);
    expect(engaged).toEqual([
      expect.objectContaining({
        actor_type: 'staff',
        actor_id: admin.id,
        subject_id: 'citizen',
        outcome: 'allowed',
        reason: 'drill: citizen on',
        details: expect.objectContaining({ target: 'citizen', surface: 'citizen', changed: true }),
      }),
      expect.objectContaining({ details: expect.objectContaining({ changed: false }) }),
    ]);
    const released = (await auditRows(t.database.db, 'kill-switch.release')).at(-1);
    expect(released).toMatchObject({
      actor_id: admin.id,
      subject_id: 'citizen',
      reason: 'drill: citizen off',
      details: expect.objectContaining({ changed: true }),
    });
  });

  it('keeps the state across an app restart on the same database', async () => {
    await stepUp();
    expect((await change('public', 'on')).statusCode).toBe(200);
    await t.app.close();

    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      TEEKA_DEMO_SEED: 'false',
      TEEKA_MASTER_KEY: `restart:${Buffer.alloc(32, 7).toString('base64')}`,
    });
    const restarted = await buildApp({ config, database: t.database, clock });
    addPartnerProbe(restarted);
    try {
      expect(await answers(restarted)).toEqual({ ...allNormal, public: 503 });
    } finally {
      await restarted.close();
    }
    // t.close() closes the app again (a no-op) and the database.
  });
});
