import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  login,
  mobileSequence,
} from '../../../test/helpers/citizen.js';

let t: CitizenTestApp;
const nextMobile = mobileSequence('91377');
let voter = 0;
const nextVoterId = () => `TKB${String(1_000_000 + voter++)}`;

beforeAll(async () => {
  t = await citizenTestApp();
});
afterAll(() => t.close());

const person = (overrides: Record<string, unknown> = {}) => ({
  name: 'Meena Kumari',
  birth_year: '1984',
  gender_id: 2,
  photo_id_type: 12,
  photo_id_number: nextVoterId(),
  comorbidity_ind: 'N',
  consent_version: 'V1',
  ...overrides,
});

const post = (token: string, url: string, payload: object) =>
  t.app.inject({ method: 'POST', url, headers: bearer(token), payload });
const register = (token: string, body: object) =>
  post(token, '/api/v2/registration/beneficiary/new', body);
const listed = async (token: string) =>
  (await t.app.inject({ url: '/api/v2/appointment/beneficiaries', headers: bearer(token) })).json<{
    beneficiaries: { beneficiary_reference_id: string; photo_id_type: string }[];
  }>().beneficiaries;

describe('CoWIN v2 tolerance: ids as numbers or strings', () => {
  it('takes gender and photo ID type as the strings idTypes lists, and as numbers', async () => {
    const token = await login(t.app, t.outbox, nextMobile());
    const asStrings = await register(token, person({ gender_id: '2', photo_id_type: '12' }));
    expect(asStrings.statusCode, asStrings.body).toBe(200);
    expect((await register(token, person())).statusCode).toBe(200);
    const shown = await listed(token);
    expect(shown.map((b) => b.photo_id_type)).toEqual(['Voter ID', 'Voter ID']);
  });

  it('refuses ids that are not whole numbers in range, as CoWIN did, and writes nothing', async () => {
    const token = await login(t.app, t.outbox, nextMobile());
    for (const bad of ['', '0', '012', '1.5', '12a', ' 12', 1.5, 0, 1001, true, null]) {
      const response = await register(token, person({ photo_id_type: bad }));
      expect({ bad, status: response.statusCode }).toEqual({ bad, status: 400 });
      expect(response.json()).toMatchObject({ code: 'invalid' });
    }
    expect(await listed(token)).toEqual([]);
  });

  it('deletes by a reference id sent as a JSON number', async () => {
    const token = await login(t.app, t.outbox, nextMobile());
    const { beneficiary_reference_id: id } = (await register(token, person())).json<{
      beneficiary_reference_id: string;
    }>();
    const deleted = await post(token, '/api/v2/registration/beneficiary/delete', {
      beneficiary_reference_id: Number(id),
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await listed(token)).toEqual([]);
  });

  it('a reference id as a number outside 13 or 14 digits, or not whole, is a 400', async () => {
    const token = await login(t.app, t.outbox, nextMobile());
    for (const bad of [123, 1e14, 12345678901234.5, -12345678901234]) {
      const response = await post(token, '/api/v2/registration/beneficiary/delete', {
        beneficiary_reference_id: bad,
      });
      expect({ bad, status: response.statusCode }).toEqual({ bad, status: 400 });
    }
  });

  it('booking takes the beneficiary ids as numbers: past the schema, to the ownership check', async () => {
    const token = await login(t.app, t.outbox, nextMobile());
    const { beneficiary_reference_id: id } = (await register(token, person())).json<{
      beneficiary_reference_id: string;
    }>();
    const other = await login(t.app, t.outbox, nextMobile());
    const body = (beneficiaries: unknown[]) => ({
      dose: 1,
      session_id: randomUUID(),
      slot: '09:00AM-11:00AM',
      beneficiaries,
    });
    // Another account's id as a number is refused as not theirs, exactly as the string is.
    const asNumber = await post(other, '/api/v2/appointment/schedule', body([Number(id)]));
    const asString = await post(other, '/api/v2/appointment/schedule', body([id]));
    expect(asNumber.statusCode).toBe(asString.statusCode);
    expect(asNumber.json()).toMatchObject({
      code: asString.json<{ code: string }>().code,
    });
    expect(asNumber.json<{ code: string }>().code).not.toBe('invalid');
  });
});
