import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AADHAAR,
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  login,
  mobileSequence,
  type SmsOutbox,
} from '../../../test/helpers/citizen.js';
import { engine } from '../../../test/helpers/db.js';
import { loadConfig } from '../../config.js';
import { createKeyRing } from '../../crypto/keys.js';
import { manualClock } from '../../platform/clock.js';
import { createLimits } from '../../platform/limits.js';
import { createSms } from '../../platform/sms.js';
import { createAppointmentListing } from '../appointments/module.js';
import { createCitizenAuthModule } from '../citizen-auth/module.js';
import { createClientAccess } from '../partners/module.js';
import { createBeneficiaryModule } from './module.js';

const clock = manualClock(new Date('2026-03-01T10:00:00Z'));
let outbox: SmsOutbox;
let t: CitizenTestApp;
const nextMobile = mobileSequence('91234');
let aadhaar = 0;
/** Each registration needs a photo ID registered nowhere else. */
const nextAadhaar = () => {
  const number = AADHAAR[aadhaar++];
  if (!number) throw new Error('out of test Aadhaar numbers');
  return number;
};
let voter = 0;
const nextVoterId = () => `TKA${String(1_000_000 + voter++)}`;

beforeAll(async () => {
  t = await citizenTestApp({}, { clock });
  outbox = t.outbox;
});
afterAll(() => t.close());

const person = (overrides: Record<string, unknown> = {}) => ({
  name: 'Asha Devi',
  birth_year: '1980',
  gender_id: 2,
  photo_id_type: 12,
  photo_id_number: nextVoterId(),
  comorbidity_ind: 'N',
  consent_version: 'V1',
  ...overrides,
});

const register = (token: string, body: object) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v2/registration/beneficiary/new',
    headers: bearer(token),
    payload: body,
  });
const list = (token: string) =>
  t.app.inject({ url: '/api/v2/appointment/beneficiaries', headers: bearer(token) });
const remove = (token: string, id: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v2/registration/beneficiary/delete',
    headers: bearer(token),
    payload: { beneficiary_reference_id: id },
  });

describe('master lists (CoWIN v2)', () => {
  it('serves idTypes and genders in the CoWIN shapes, to a logged-in citizen', async () => {
    const token = await login(t.app, outbox, nextMobile());
    const types = await t.app.inject({
      url: '/api/v2/registration/beneficiary/idTypes',
      headers: bearer(token),
    });
    expect(types.statusCode).toBe(200);
    const body = types.json<{ types: { id: string; type: string }[] }>();
    expect(body.types[0]).toEqual({ id: '1', type: 'Aadhaar Card' });
    expect(body.types.find((x) => x.id === '12')).toEqual({ id: '12', type: 'Voter ID' });
    const genders = await t.app.inject({
      url: '/api/v2/registration/beneficiary/genders',
      headers: bearer(token),
    });
    expect(genders.json()).toEqual({
      genders: [
        { id: 1, gender: 'Male' },
        { id: 2, gender: 'Female' },
        { id: 3, gender: 'Others' },
      ],
    });
    expect(
      (await t.app.inject({ url: '/api/v2/registration/beneficiary/genders' })).statusCode,
    ).toBe(401);
  });
});

describe('beneficiaries', () => {
  it('registers and lists in the CoWIN shape, masked', async () => {
    const mobile = nextMobile();
    const token = await login(t.app, outbox, mobile);
    const number = nextAadhaar();
    const created = await register(
      token,
      person({
        name: 'Ravi Kumar',
        birth_year: '1975',
        gender_id: 1,
        photo_id_type: 1,
        photo_id_number: `${number.slice(0, 4)} ${number.slice(4, 8)} ${number.slice(8)}`,
        comorbidity_ind: 'Y',
      }),
    );
    expect(created.statusCode).toBe(200);
    const { beneficiary_reference_id: id } = created.json<{ beneficiary_reference_id: string }>();
    expect(id).toMatch(/^[1-9][0-9]{13}$/);

    const response = await list(token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      beneficiaries: [
        {
          beneficiary_reference_id: id,
          name: 'Ravi Kumar',
          birth_year: '1975',
          gender: 'Male',
          mobile_number: mobile.slice(-4),
          photo_id_type: 'Aadhaar Card',
          photo_id_number: `XXXXXXXX${number.slice(-4)}`,
          comorbidity_ind: 'Y',
          vaccination_status: 'Not Vaccinated',
          vaccine: '',
          dose1_date: '',
          dose2_date: '',
          appointments: [],
        },
      ],
    });
  });

  it('accepts at most 4 per mobile number; the 5th is 409 and nothing is written', async () => {
    const token = await login(t.app, outbox, nextMobile());
    for (let i = 0; i < 4; i++) expect((await register(token, person())).statusCode).toBe(200);
    const fifth = await register(token, person());
    expect(fifth.statusCode).toBe(409);
    expect(fifth.json()).toMatchObject({ code: 'beneficiary-limit' });
    expect((await list(token)).json<{ beneficiaries: unknown[] }>().beneficiaries).toHaveLength(4);
  });

  it('refuses a photo ID registered anywhere, without saying where', async () => {
    const number = nextVoterId();
    const first = await login(t.app, outbox, nextMobile());
    const second = await login(t.app, outbox, nextMobile());
    expect((await register(first, person({ photo_id_number: number }))).statusCode).toBe(200);
    for (const [token, spelled] of [
      [first, number],
      [second, number.toLowerCase()],
      [second, `${number.slice(0, 3)} ${number.slice(3)}`],
    ] as const) {
      const again = await register(token, person({ photo_id_number: spelled }));
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'photo-id-already-registered' });
      expect(again.body).not.toMatch(/Asha|[0-9]{14}/);
    }
    expect((await list(second)).json<{ beneficiaries: unknown[] }>().beneficiaries).toEqual([]);
  });

  it('refuses an invalid Aadhaar, an unknown type or gender, and ages outside the programme', async () => {
    const token = await login(t.app, outbox, nextMobile());
    const cases: [Record<string, unknown>, number, string][] = [
      [{ photo_id_type: 1, photo_id_number: '234567890123' }, 400, 'invalid-photo-id'],
      [{ photo_id_type: 1, photo_id_number: '123456789012' }, 400, 'invalid-photo-id'],
      [{ photo_id_type: 6, photo_id_number: 'NOTAPAN' }, 400, 'invalid-photo-id'],
      [{ photo_id_type: 99 }, 400, 'unknown-photo-id-type'],
      [{ gender_id: 9 }, 400, 'unknown-gender'],
      [{ birth_year: '2015' }, 400, 'ineligible-age'], // 11 in 2026; the programme starts at 12
      [{ birth_year: '1900' }, 400, 'ineligible-age'],
    ];
    for (const [overrides, status, code] of cases) {
      const response = await register(token, person(overrides));
      expect(response.statusCode, JSON.stringify(overrides)).toBe(status);
      expect(response.json()).toMatchObject({ code });
    }
    expect((await register(token, person({ birth_year: 2014 }))).statusCode).toBe(200);
    expect((await list(token)).json<{ beneficiaries: unknown[] }>().beneficiaries).toHaveLength(1);
  });

  it('rejects unknown fields and malformed values with 400', async () => {
    const token = await login(t.app, outbox, nextMobile());
    const bad = [
      person({ is_admin: true }),
      person({ name: '' }),
      person({ name: 'x'.repeat(101) }),
      person({ birth_year: '19x0' }),
      person({ comorbidity_ind: 'maybe' }),
      person({ photo_id_number: 'x'.repeat(41) }),
      { name: 'Only A Name' },
    ];
    for (const body of bad) expect((await register(token, body)).statusCode).toBe(400);
    // Markup in a name is stopped earlier still, by the firewall's screening (403).
    const markup = await register(token, person({ name: '<script>' }));
    expect(markup.statusCode).toBe(403);
    expect(markup.json()).toMatchObject({ code: 'blocked' });
    expect((await list(token)).json<{ beneficiaries: unknown[] }>().beneficiaries).toEqual([]);
    const extra = await t.app.inject({
      method: 'POST',
      url: '/api/v2/registration/beneficiary/delete',
      headers: bearer(token),
      payload: { beneficiary_reference_id: '12345678901234', mobile: '9999999999' },
    });
    expect(extra.statusCode).toBe(400);
  });

  it('deletes a beneficiary with no dose, and refuses one who has had a dose', async () => {
    const token = await login(t.app, outbox, nextMobile());
    const a = (await register(token, person())).json<{ beneficiary_reference_id: string }>();
    const b = (await register(token, person())).json<{ beneficiary_reference_id: string }>();
    expect((await remove(token, a.beneficiary_reference_id)).statusCode).toBe(204);
    expect((await remove(token, a.beneficiary_reference_id)).statusCode).toBe(404);
    // The vaccination domain sets doses_given when it records a dose.
    await t.database.db
      .updateTable('beneficiaries')
      .set({ doses_given: 1, vaccine: 'COVAXIN', dose1_date: '2026-02-20' })
      .where('beneficiary_reference_id', '=', b.beneficiary_reference_id)
      .execute();
    const refused = await remove(token, b.beneficiary_reference_id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'beneficiary-vaccinated' });
    const [shown] = (await list(token)).json<{
      beneficiaries: { vaccination_status: string; vaccine: string; dose1_date: string }[];
    }>().beneficiaries;
    expect(shown).toMatchObject({
      vaccination_status: 'Partially Vaccinated',
      vaccine: 'COVAXIN',
      dose1_date: '20-02-2026',
    });
  });

  it("every endpoint that takes a beneficiary id refuses another account's ids, disclosing nothing", async () => {
    const owner = await login(t.app, outbox, nextMobile());
    const intruder = await login(t.app, outbox, nextMobile());
    const { beneficiary_reference_id: id } = (await register(owner, person())).json<{
      beneficiary_reference_id: string;
    }>();
    const theirs = await remove(intruder, id);
    const nobody = await remove(intruder, '12345678901234');
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toMatchObject({ code: 'beneficiary-not-found' });
    const strip = (body: string) => body.replace(/"requestId":"[^"]+"/, '');
    expect(strip(theirs.body)).toBe(strip(nobody.body));
    expect((await list(intruder)).json<{ beneficiaries: unknown[] }>().beneficiaries).toEqual([]);
    expect((await list(owner)).json<{ beneficiaries: unknown[] }>().beneficiaries).toHaveLength(1);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['outcome', 'reason'])
      .where('action', '=', 'beneficiary.delete')
      .where('subject_id', '=', id)
      .execute();
    expect(audit).toEqual([{ outcome: 'denied', reason: 'not-owned-or-missing' }]);
  });

  it('audits every create and delete in the same transaction, by reference only', async () => {
    const token = await login(t.app, outbox, nextMobile());
    const { beneficiary_reference_id: id } = (await register(token, person())).json<{
      beneficiary_reference_id: string;
    }>();
    await remove(token, id);
    const rows = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'actor_type', 'actor_id'])
      .where('subject_id', '=', id)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.action, r.outcome, r.actor_type])).toEqual([
      ['beneficiary.create', 'allowed', 'citizen'],
      ['beneficiary.delete', 'allowed', 'citizen'],
    ]);
    expect(rows[0]?.actor_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe.runIf(engine === 'postgres')('beneficiaries under concurrency (PostgreSQL)', () => {
  it('8 registrations at once under one mobile: exactly 4 succeed', async () => {
    const token = await login(t.app, outbox, nextMobile());
    const responses = await Promise.all(Array.from({ length: 8 }, () => register(token, person())));
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 200, 200, 200, 409, 409, 409, 409]);
    expect((await list(token)).json<{ beneficiaries: unknown[] }>().beneficiaries).toHaveLength(4);
  });

  it('one photo ID registered by 6 accounts at once: exactly one succeeds', async () => {
    const tokens = await Promise.all(
      Array.from({ length: 6 }, () => login(t.app, outbox, nextMobile())),
    );
    const number = nextVoterId();
    const responses = await Promise.all(
      tokens.map((token) => register(token, person({ photo_id_number: number }))),
    );
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409, 409, 409, 409, 409]);
    for (const r of responses.filter((x) => x.statusCode === 409)) {
      expect(r.json()).toMatchObject({ code: 'photo-id-already-registered' });
    }
  });
});

describe('the ownership check other domains call', () => {
  it("requireOwned passes the caller's own ids and refuses any set with another's", async () => {
    const keys = createKeyRing(new Map([['k', randomBytes(32)]]));
    const config = loadConfig({ NODE_ENV: 'test' });
    const limits = createLimits({});
    const platform = { db: t.database.db, limits, clock, config, keys };
    // No kill switch is off here: this module only issues the tokens the test inspects.
    const { apps } = createClientAccess({
      ...platform,
      killSwitch: { assertOpen: () => undefined },
    });
    const citizenAuth = createCitizenAuthModule({
      ...platform,
      sms: createSms(config, t.app.log),
      apps,
    });
    const { service } = createBeneficiaryModule({
      ...platform,
      citizenAuth,
      appointments: createAppointmentListing(),
    });
    const citizenOf = (token: string) => {
      const payload = JSON.parse(
        Buffer.from(token.split('.')[1] ?? '', 'base64url').toString(),
      ) as { sub: string; jti: string; exp: number };
      return {
        mobileRef: payload.sub,
        tokenId: payload.jti,
        expiresAt: new Date(payload.exp * 1000),
      };
    };
    const ownerToken = await login(t.app, outbox, nextMobile());
    const otherToken = await login(t.app, outbox, nextMobile());
    const idOf = async (token: string) =>
      (await register(token, person())).json<{ beneficiary_reference_id: string }>()
        .beneficiary_reference_id;
    const [a, b, theirs] = [await idOf(ownerToken), await idOf(ownerToken), await idOf(otherToken)];
    const owner = citizenOf(ownerToken);
    const check = (ids: string[]) =>
      t.database.db.transaction().execute((tx) => service.requireOwned(tx, owner, ids));
    expect((await check([a, b, a])).map((r) => r.beneficiary_reference_id).sort()).toEqual(
      [a, b].sort(),
    );
    await expect(check([a, theirs])).rejects.toMatchObject({ code: 'beneficiary-not-found' });
    await expect(check(['12345678901234'])).rejects.toMatchObject({
      code: 'beneficiary-not-found',
    });
    await limits.close();
  });
});
