import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, sha256 } from '../../../test/helpers/citizen.js';
import { auditRows } from '../../../test/helpers/staff.js';
import { SLOT, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { indiaDate } from '../facilities/dates.js';

/**
 * Registered apps (CoWIN v2 protected API): an x-api-key, a citizen's OTP through the app,
 * and CoWIN's protected paths. Shapes follow the public CoWIN API v2 specification.
 */
let w: Awaited<ReturnType<typeof vaccinationWorld>>;
let mobiles = 0;
const nextMobile = () => `97310${String(10_000 + mobiles++)}`;

beforeAll(async () => {
  w = await vaccinationWorld('97320');
});
afterAll(() => w.close());

interface App {
  client_id: string;
  api_key: string;
  name: string;
}

async function createApp(overrides: Record<string, unknown> = {}): Promise<App> {
  await w.stepUp(w.national);
  const response = await w.t.app.inject({
    method: 'POST',
    url: '/api/v1/admin/partners/apps',
    headers: w.national.headers,
    payload: {
      name: `Slot Finder ${String(mobiles++)}`,
      purpose: 'Books vaccination slots for the people who log in to it',
      contact: 'security@slots.example',
      scopes: ['availability:read', 'citizen:self-service'],
      per_minute: 1000,
      per_day: 100000,
      ...overrides,
    },
  });
  if (response.statusCode !== 201) throw new Error(`create app: ${response.body}`);
  return response.json<App>();
}

const key = (app: Pick<App, 'api_key'>) => ({ 'x-api-key': app.api_key });

async function admin(clientId: string, verb: string, payload?: object) {
  await w.stepUp(w.national);
  return w.t.app.inject({
    method: 'POST',
    url: `/api/v1/admin/partners/clients/${clientId}/${verb}`,
    headers: w.national.headers,
    ...(payload ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** Logs in through the app as a CoWIN client would: generateOTP, then confirmOTP. */
async function appLogin(app: Pick<App, 'api_key'>, mobile: string) {
  const sent = await w.t.app.inject({
    method: 'POST',
    url: '/api/v2/auth/generateOTP',
    headers: key(app),
    payload: { mobile },
  });
  expect(sent.statusCode).toBe(200);
  const { txnId } = sent.json<{ txnId: string }>();
  expect(typeof txnId).toBe('string');
  const otp = await w.t.outbox.lastOtp(mobile);
  const confirmed = await w.t.app.inject({
    method: 'POST',
    url: '/api/v2/auth/confirmOTP',
    headers: key(app),
    payload: { otp: sha256(otp), txnId },
  });
  expect(confirmed.statusCode).toBe(200);
  const { token } = confirmed.json<{ token: string }>();
  expect(typeof token).toBe('string');
  return token;
}

const get = (url: string, headers: Record<string, string>) => w.t.app.inject({ url, headers });
const post = (url: string, headers: Record<string, string>, payload: object) =>
  w.t.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });

let voter = 0;
const person = () => ({
  name: 'Asha Verma',
  birth_year: '1985',
  gender_id: 2,
  photo_id_type: 12,
  photo_id_number: `APP${String(1_000_000 + voter++)}`,
  comorbidity_ind: 'N',
  consent_version: 'V1',
});

const expectCode = (
  response: { statusCode: number; json: () => unknown },
  status: number,
  errorCode: string,
) => {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toMatchObject({ errorCode, error: expect.any(String) });
};

describe('registering an app', () => {
  it('shows the key once, stores only a keyed hash, and never lists the key', async () => {
    const app = await createApp({ allow_list: [] });
    expect(app.api_key).toMatch(/^tak_[A-Za-z0-9_-]{59}$/);
    const row = await w.t.database.db
      .selectFrom('partner_clients')
      .selectAll()
      .where('client_id', '=', app.client_id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(app.api_key);
    expect(JSON.stringify(row)).not.toContain(app.api_key.slice(20));
    expect(row).toMatchObject({ kind: 'app', secret_hash: null });
    expect(row.api_key_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(app.api_key).toContain(row.api_key_id);
    const listed = await get(`/api/v1/admin/partners/clients/${app.client_id}`, w.national.headers);
    expect(listed.body).not.toContain(app.api_key);
    expect(listed.json()).toMatchObject({
      kind: 'app',
      app_key: { key_id: row.api_key_id, revoked_at: null },
    });
    const created = (await auditRows(w.t.database.db, 'partner.app.create')).at(-1);
    expect(created?.subject_id).toBe(app.client_id);
    expect(w.t.logs.join('\n')).not.toContain(app.api_key);
  });

  it('enforces an app’s allow-list when it has one', async () => {
    const app = await createApp({ allow_list: ['192.0.2.0/24'] });
    const from = (remoteAddress: string) =>
      w.t.app.inject({
        method: 'POST',
        url: '/api/v2/auth/generateOTP',
        headers: key(app),
        payload: { mobile: nextMobile() },
        remoteAddress,
      });
    expectCode(await from('198.51.100.1'), 403, 'PARTNER_ADDRESS_NOT_ALLOWED');
    expect((await from('192.0.2.10')).statusCode).toBe(200);
  });

  it('refuses partner scopes for an app and the app scope for a partner', async () => {
    await w.stepUp(w.national);
    const bad = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/partners/apps',
      headers: w.national.headers,
      payload: {
        name: 'Bad App',
        purpose: 'Wants consented reads it cannot use',
        contact: 'a@b.example',
        scopes: ['certificate:consented'],
        per_minute: 1,
        per_day: 1,
      },
    });
    expect(bad.statusCode).toBe(400);
    const partner = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/partners/clients',
      headers: w.national.headers,
      payload: {
        name: 'Partner Wanting Sessions',
        purpose: 'Wants to act for citizens without being an app',
        contact: 'a@b.example',
        scopes: ['citizen:self-service'],
        allow_list: ['192.0.2.0/24'],
        per_minute: 1,
        per_day: 1,
      },
    });
    expect(partner.statusCode).toBe(400);
  });
});

describe('the CoWIN v2 protected API through an app', () => {
  it('logs in, registers, lists, books, cancels and downloads a certificate, in the spec’s shapes', async () => {
    const app = await createApp();
    const mobile = nextMobile();
    const token = await appLogin(app, mobile);
    const sms = (await w.t.outbox.messages()).filter((m) => m.to === mobile).at(-1);
    expect(sms?.text).toContain(app.name);
    const as = { ...key(app), ...bearer(token) };

    const idTypes = await get('/api/v2/registration/beneficiary/idTypes', as);
    expect(idTypes.statusCode).toBe(200);
    const { types } = idTypes.json<{ types: { id: unknown; type: unknown }[] }>();
    expect(types.length).toBeGreaterThan(0);
    for (const t of types) {
      expect(typeof t.id).toBe('string');
      expect(typeof t.type).toBe('string');
    }
    const genders = await get('/api/v2/registration/beneficiary/genders', as);
    const list = genders.json<{ genders: { id: unknown; gender: unknown }[] }>().genders;
    expect(list.length).toBeGreaterThan(0);
    for (const g of list) {
      // CoWIN: gender ids are numbers, ID type ids strings.
      expect(typeof g.id).toBe('number');
      expect(typeof g.gender).toBe('string');
    }

    const registered = await post('/api/v2/registration/beneficiary/new', as, person());
    expect(registered.statusCode).toBe(200);
    const ref = registered.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
    expect(ref).toMatch(/^\d{14}$/);

    const session = await w.session(w.centreA);
    const booked = await post('/api/v2/appointment/schedule', as, {
      dose: 1,
      session_id: session,
      slot: SLOT,
      beneficiaries: [ref],
    });
    expect(booked.statusCode).toBe(200);
    const confirmation = booked.json<{ appointment_confirmation_no: unknown }>();
    expect(typeof confirmation.appointment_confirmation_no).toBe('string');

    const beneficiaries = await get('/api/v2/appointment/beneficiaries', as);
    expect(beneficiaries.statusCode).toBe(200);
    const [b] = beneficiaries.json<{ beneficiaries: Record<string, unknown>[] }>().beneficiaries;
    expect(b).toBeDefined();
    const one = b ?? {};
    for (const field of [
      'beneficiary_reference_id',
      'name',
      'birth_year',
      'gender',
      'mobile_number',
      'photo_id_type',
      'photo_id_number',
      'comorbidity_ind',
      'vaccination_status',
      'vaccine',
      'dose1_date',
      'dose2_date',
    ]) {
      expect(typeof one[field], field).toBe('string');
    }
    expect(one.beneficiary_reference_id).toBe(ref);
    expect(one.mobile_number).toBe(mobile.slice(-4));
    expect(one.photo_id_number).toMatch(/^X+\d{4}$/);
    const appointments = one.appointments as Record<string, unknown>[];
    expect(Array.isArray(appointments)).toBe(true);
    expect(appointments[0]).toMatchObject({
      appointment_id: confirmation.appointment_confirmation_no,
      session_id: session,
      dose: 1,
      slot: SLOT,
    });
    for (const field of ['center_id', 'name', 'state_name', 'district_name', 'block_name']) {
      expect(appointments[0], field).toHaveProperty(field);
    }

    const later = await w.session(w.centreA, 3);
    const moved = await post('/api/v2/appointment/reschedule', as, {
      appointment_id: confirmation.appointment_confirmation_no,
      session_id: later,
      slot: SLOT,
    });
    expect(moved.statusCode).toBe(204);
    const cancelled = await post('/api/v2/appointment/cancel', as, {
      appointment_id: confirmation.appointment_confirmation_no,
      beneficiariesToCancel: [ref],
    });
    expect(cancelled.statusCode).toBe(204);
    const after = await get('/api/v2/appointment/beneficiaries', as);
    expect(
      after.json<{ beneficiaries: { appointments: unknown[] }[] }>().beneficiaries[0]?.appointments,
    ).toEqual([]);

    // Booked again, vaccinated at the centre: the certificate through the app.
    const again = await post('/api/v2/appointment/schedule', as, {
      dose: 1,
      session_id: session,
      slot: SLOT,
      beneficiaries: [ref],
    });
    expect(again.statusCode).toBe(200);
    const listed = await get('/api/v2/appointment/beneficiaries', as);
    const last4 = (
      listed.json<{ beneficiaries: { photo_id_number: string }[] }>().beneficiaries[0]
        ?.photo_id_number ?? ''
    ).slice(-4);
    expect(
      (await w.identity(w.verifier, session, ref, last4)).json<{ confirmed: boolean }>().confirmed,
    ).toBe(true);
    expect((await w.arrive(w.verifier, session, ref)).statusCode).toBe(200);
    expect((await w.dose(w.vaccinator, w.doseBody(session, ref, 1))).statusCode).toBe(200);
    const pdf = await get(
      `/api/v2/registration/certificate/download?beneficiary_reference_id=${ref}`,
      as,
    );
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toContain('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    // Every event of the calls names the app; no key in any log line.
    const booking = (await auditRows(w.t.database.db, 'appointment.schedule')).at(-1);
    expect(JSON.stringify(booking?.details)).toContain(app.client_id);
    expect(w.t.logs.join('\n')).not.toContain(app.api_key);
    expect(w.t.logs.join('\n')).not.toContain(token);
  });

  it('serves availability at the paths without public/, the same answers, only with a key', async () => {
    const app = await createApp();
    await w.session(w.centreA, 1);
    const [y, m, d] = indiaDate(w.clock.now(), 1).split('-');
    const query = `district_id=294&date=${d ?? ''}-${m ?? ''}-${y ?? ''}`;
    for (const path of ['findByDistrict', 'calendarByDistrict']) {
      const open = await get(`/api/v2/appointment/sessions/public/${path}?${query}`, {});
      const keyed = await get(`/api/v2/appointment/sessions/${path}?${query}`, key(app));
      expect(keyed.statusCode).toBe(200);
      expect(keyed.json()).toEqual(open.json());
      expectCode(
        await get(`/api/v2/appointment/sessions/${path}?${query}`, {}),
        401,
        'API_KEY_MISSING',
      );
    }
    const sessions = (
      await get(`/api/v2/appointment/sessions/findByDistrict?${query}`, key(app))
    ).json<{ sessions: Record<string, unknown>[] }>().sessions;
    expect(sessions.length).toBeGreaterThan(0);
    for (const field of [
      'center_id',
      'name',
      'pincode',
      'session_id',
      'date',
      'vaccine',
      'slots',
    ]) {
      expect(sessions[0], field).toHaveProperty(field);
    }
    expect(typeof sessions[0]?.available_capacity).toBe('number');
  });
});

describe('refusals', () => {
  it('missing, malformed and wrong keys are 401, and nothing is sent', async () => {
    const app = await createApp();
    const mobile = nextMobile();
    const before = (await w.t.outbox.messages()).length;
    // The last character changed (never to itself): a well-formed key that is not the app's.
    const wrong = `${app.api_key.slice(0, -1)}${app.api_key.endsWith('A') ? 'B' : 'A'}`;
    const tries: Record<string, string>[] = [
      {},
      { 'x-api-key': 'nonsense' },
      { 'x-api-key': wrong },
    ];
    for (const headers of tries) {
      const r = await post('/api/v2/auth/generateOTP', headers, { mobile });
      expectCode(r, 401, Object.keys(headers).length ? 'API_KEY_INVALID' : 'API_KEY_MISSING');
    }
    expect((await w.t.outbox.messages()).length).toBe(before);
    expect(w.t.logs.join('\n')).not.toContain(app.api_key.slice(4));
  });

  it('an app token needs its app’s key, a key needs a token of its app', async () => {
    const [a, b] = [await createApp(), await createApp()];
    const mobile = nextMobile();
    const token = await appLogin(a, mobile);
    const url = '/api/v2/appointment/beneficiaries';
    expect((await get(url, { ...key(a), ...bearer(token) })).statusCode).toBe(200);
    expectCode(await get(url, bearer(token)), 401, 'TOKEN_INVALID');
    expectCode(await get(url, { ...key(b), ...bearer(token) }), 401, 'TOKEN_INVALID');
    expectCode(await get(url, key(a)), 401, 'TOKEN_MISSING');
    // A token of the public login is not the app's.
    const web = await w.login(mobile);
    expectCode(await get(url, { ...key(a), ...bearer(web) }), 401, 'TOKEN_INVALID');
    expect((await get(url, bearer(web))).statusCode).toBe(200);
    // Nor may an app token reach Teeka's own citizen API (outside /api/v2: no errorCode).
    const own = await get('/api/v1/me/consents', { ...key(a), ...bearer(token) });
    expect(own.statusCode).toBe(401);
    expect(own.json()).toMatchObject({ code: 'token-invalid' });
    // An OTP asked through app A is confirmed only through A.
    const sent = await post('/api/v2/auth/generateOTP', key(a), { mobile });
    const { txnId } = sent.json<{ txnId: string }>();
    const otp = sha256(await w.t.outbox.lastOtp(mobile));
    expectCode(await post('/api/v2/auth/confirmOTP', key(b), { otp, txnId }), 401, 'OTP_INVALID');
    expectCode(
      await post('/api/v2/auth/public/confirmOTP', {}, { otp, txnId }),
      401,
      'OTP_INVALID',
    );
    expect((await post('/api/v2/auth/confirmOTP', key(a), { otp, txnId })).statusCode).toBe(200);
  });

  it('another citizen’s beneficiary: 404 on schedule, delete and certificate, and nothing changes', async () => {
    const app = await createApp();
    const mine = await appLogin(app, nextMobile());
    const as = { ...key(app), ...bearer(mine) };
    const other = await w.citizen(1);
    const theirs = other.ids[0] ?? '';
    const session = await w.session(w.centreA, 2);
    const count = async () =>
      (await w.t.database.db.selectFrom('appointments').select('appointment_id').execute()).length;
    const appointmentsBefore = await count();
    for (const r of [
      await post('/api/v2/appointment/schedule', as, {
        dose: 1,
        session_id: session,
        slot: SLOT,
        beneficiaries: [theirs],
      }),
      await post('/api/v2/registration/beneficiary/delete', as, {
        beneficiary_reference_id: theirs,
      }),
      await get(`/api/v2/registration/certificate/download?beneficiary_reference_id=${theirs}`, as),
    ]) {
      expect(r.statusCode).toBe(404);
      expect(r.body).not.toContain('Test Person');
    }
    expect(await count()).toBe(appointmentsBefore);
    const still = await get('/api/v2/appointment/beneficiaries', bearer(other.token));
    expect(still.json<{ beneficiaries: unknown[] }>().beneficiaries).toHaveLength(1);
  });

  it('generateOTP reveals nothing about registration; no data without the person’s OTP', async () => {
    const app = await createApp();
    const registered = await w.citizen(1);
    const unknown = await post('/api/v2/auth/generateOTP', key(app), { mobile: nextMobile() });
    expect(Object.keys(unknown.json<object>())).toEqual(['txnId']);
    expectCode(await get('/api/v2/appointment/beneficiaries', key(app)), 401, 'TOKEN_MISSING');
    const cert = await get(
      `/api/v2/registration/certificate/download?beneficiary_reference_id=${registered.ids[0] ?? ''}`,
      key(app),
    );
    expectCode(cert, 401, 'TOKEN_MISSING');
  });

  it('rotation ends the old key and its tokens; revocation ends the new; suspension and the kill switch refuse', async () => {
    const app = await createApp();
    const token = await appLogin(app, nextMobile());
    const url = '/api/v2/appointment/beneficiaries';

    const rotated = await admin(app.client_id, 'rotate-key');
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json<App>();
    expect(fresh.api_key).not.toBe(app.api_key);
    expectCode(await get(url, { ...key(app), ...bearer(token) }), 401, 'API_KEY_INVALID');
    expectCode(await get(url, { ...key(fresh), ...bearer(token) }), 401, 'TOKEN_INVALID');
    const token2 = await appLogin(fresh, nextMobile());
    expect((await get(url, { ...key(fresh), ...bearer(token2) })).statusCode).toBe(200);

    expect((await admin(app.client_id, 'suspend', { reason: 'drill' })).statusCode).toBe(200);
    expectCode(await get(url, { ...key(fresh), ...bearer(token2) }), 403, 'PARTNER_SUSPENDED');
    expect((await admin(app.client_id, 'reinstate', { reason: 'drill over' })).statusCode).toBe(
      200,
    );
    expect((await get(url, { ...key(fresh), ...bearer(token2) })).statusCode).toBe(200);

    for (const target of [`client:${app.client_id}`, 'all-partners']) {
      await w.stepUp(w.national);
      const off = await w.t.app.inject({
        method: 'PUT',
        url: '/api/v1/admin/kill-switch',
        headers: w.national.headers,
        payload: { target, killSwitch: 'on', reason: `drill: ${target}` },
      });
      expect(off.statusCode).toBe(200);
      expectCode(await get(url, { ...key(fresh), ...bearer(token2) }), 503, 'API_SWITCHED_OFF');
      // The first-party web login is not a partner: it keeps working.
      await w.stepUp(w.national);
      await w.t.app.inject({
        method: 'PUT',
        url: '/api/v1/admin/kill-switch',
        headers: w.national.headers,
        payload: { target, killSwitch: 'off', reason: `drill over: ${target}` },
      });
      expect((await get(url, { ...key(fresh), ...bearer(token2) })).statusCode).toBe(200);
    }

    const revoked = await admin(app.client_id, 'revoke-key', { reason: 'leaked' });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ app_key: { revoked_at: expect.any(String) } });
    expectCode(await get(url, { ...key(fresh), ...bearer(token2) }), 401, 'API_KEY_INVALID');
    const row = await w.t.database.db
      .selectFrom('partner_clients')
      .select(['api_key_hash', 'api_key_revoked_at'])
      .where('client_id', '=', app.client_id)
      .executeTakeFirstOrThrow();
    expect(row.api_key_hash).toBeNull();
    const actions = (await auditRows(w.t.database.db, 'partner.app.revoke-key')).at(-1);
    expect(actions?.subject_id).toBe(app.client_id);
    expect(w.t.logs.join('\n')).not.toContain(fresh.api_key);
  });
});
