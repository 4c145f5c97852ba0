import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AADHAAR, bearer, type CitizenTestApp, citizenTestApp, login } from './helpers/citizen.js';

let t: CitizenTestApp;
beforeAll(async () => {
  // The most verbose level: whatever any layer would log, this test sees.
  t = await citizenTestApp({ LOG_LEVEL: 'trace' });
});
afterAll(() => t.close());

describe('personal data at rest and in logs', () => {
  it('after a full registration, no table and no log line holds the mobile, ID number or name in clear', async () => {
    const mobile = '9812345678';
    const aadhaar = AADHAAR[2] ?? '';
    const name = 'Meenakshi Sundaram';
    const token = await login(t.app, t.outbox, mobile);
    const register = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v2/registration/beneficiary/new',
        headers: bearer(token),
        payload: {
          name,
          birth_year: '1961',
          gender_id: 2,
          photo_id_type: 1,
          photo_id_number: aadhaar,
          comorbidity_ind: 'Y',
          consent_version: 'V1',
        },
      });
    expect((await register()).statusCode).toBe(200);
    // A refused duplicate and a bad token also pass through the logs.
    expect((await register()).statusCode).toBe(409);
    await t.app.inject({
      url: '/api/v2/appointment/beneficiaries',
      headers: bearer(`${token}x`),
    });
    const listed = await t.app.inject({
      url: '/api/v2/appointment/beneficiaries',
      headers: bearer(token),
    });
    expect(listed.body).toContain(name); // the owner sees it: the data is really there
    expect(listed.body).not.toContain(aadhaar);
    expect(listed.body).not.toContain(mobile);

    const columns = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema()
        AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'json')
      ORDER BY table_name, column_name`.execute(t.database.db);
    expect(columns.rows.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(
      expect.arrayContaining([
        'beneficiaries.name_enc',
        'beneficiaries.photo_id_number_enc',
        'citizen_accounts.mobile_enc',
        'otp_transactions.mobile_enc',
        'audit_log.details',
      ]),
    );
    const secrets = [mobile, aadhaar, name, name.toLowerCase(), name.toUpperCase()];
    let cells = 0;
    for (const { table_name, column_name } of columns.rows) {
      const values = await sql<{ value: string | null }>`
        SELECT ${sql.ref(column_name)}::text AS value FROM ${sql.table(table_name)}`.execute(
        t.database.db,
      );
      for (const { value } of values.rows) {
        if (value === null) continue;
        cells++;
        for (const secret of secrets) {
          expect(value, `${table_name}.${column_name}`).not.toContain(secret);
        }
      }
    }
    expect(cells).toBeGreaterThan(10);

    const logs = t.logs.join('');
    expect(t.logs.length).toBeGreaterThan(5);
    for (const secret of [...secrets, token]) expect(logs).not.toContain(secret);
    // The OTP went to the outbox and nowhere into the logs.
    const otp = await t.outbox.lastOtp(mobile);
    expect(logs.match(/\d+/g) ?? []).not.toContain(otp);
  });
});
