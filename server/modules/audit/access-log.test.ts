import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AADHAAR,
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  login,
} from '../../../test/helpers/citizen.js';
import { createAuditModule } from './module.js';
import type { AuditEvent } from './service.js';

let t: CitizenTestApp;
let mine: { token: string; ref: string };
let theirs: { token: string; ref: string };
const audit = createAuditModule().service;

async function citizenWithBeneficiary(mobile: string, name: string, aadhaar: string) {
  const token = await login(t.app, t.outbox, mobile);
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v2/registration/beneficiary/new',
    headers: bearer(token),
    payload: {
      name,
      birth_year: '1970',
      gender_id: 2,
      photo_id_type: 1,
      photo_id_number: aadhaar,
      comorbidity_ind: 'N',
      consent_version: 'V1',
    },
  });
  if (response.statusCode !== 200) throw new Error(response.body);
  return {
    token,
    ref: response.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id,
  };
}

/** What another domain (vaccination, certificates) records when it touches a beneficiary. */
const touch = (ref: string, event: Omit<AuditEvent, 'subject' | 'outcome'>) =>
  t.database.db
    .transaction()
    .execute((tx) =>
      audit.record(
        tx,
        { ...event, subject: { type: 'beneficiary', id: ref }, outcome: 'allowed' },
        { requestId: 'req-staff-0001', clientIp: '10.1.2.3' },
      ),
    );

interface Log {
  beneficiaries: {
    beneficiary_reference_id: string;
    events: {
      at: string;
      action: string;
      reason: string | null;
      actor: { type: string; role: string | null; organisation: string | null };
    }[];
  }[];
}
const accessLog = (token: string) =>
  t.app.inject({ url: '/api/v1/me/access-log', headers: bearer(token) });

beforeAll(async () => {
  t = await citizenTestApp();
  mine = await citizenWithBeneficiary('9812300011', 'Lakshmi Narayan', AADHAAR[4] ?? '');
  theirs = await citizenWithBeneficiary('9812300022', 'Ravi Shankar', AADHAAR[5] ?? '');
  await touch(mine.ref, {
    actor: {
      type: 'staff',
      id: 'staff-7f3a',
      role: 'vaccinator',
      jurisdiction: 'centre:12',
      organisation: 'PHC Bommanahalli',
    },
    action: 'vaccination.record.read',
    reason: 'dose-verification',
  });
  await touch(mine.ref, {
    actor: { type: 'system', id: 'certificates' },
    action: 'certificate.issue',
  });
  await touch(theirs.ref, {
    actor: { type: 'partner', id: 'client-9', role: 'partner', organisation: 'Other Partner Ltd' },
    action: 'beneficiary.read',
  });
});
afterAll(() => t.close());

describe('GET /api/v1/me/access-log', () => {
  it('shows who touched each of the caller’s beneficiaries: role and organisation, when and why', async () => {
    const response = await accessLog(mine.token);
    expect(response.statusCode).toBe(200);
    const log = response.json<Log>();
    expect(log.beneficiaries.map((b) => b.beneficiary_reference_id)).toEqual([mine.ref]);
    const events = log.beneficiaries[0]?.events ?? [];
    expect(events.map((e) => e.action)).toEqual([
      'certificate.issue',
      'vaccination.record.read',
      'beneficiary.create',
    ]);
    expect(events[1]).toMatchObject({
      reason: 'dose-verification',
      actor: { type: 'staff', role: 'vaccinator', organisation: 'PHC Bommanahalli' },
    });
    expect(events[0]?.actor).toEqual({ type: 'system', role: null, organisation: null });
    expect(events[2]?.actor.type).toBe('citizen');
    for (const event of events) expect(Date.parse(event.at)).not.toBeNaN();
  });

  it('says nothing of another citizen’s beneficiaries, nor of actors’ ids, addresses or request ids', async () => {
    const body = (await accessLog(mine.token)).body;
    for (const foreign of [theirs.ref, 'Other Partner Ltd', 'Ravi Shankar', '9812300022']) {
      expect(body).not.toContain(foreign);
    }
    for (const internal of ['staff-7f3a', '10.1.2.3', 'req-staff-0001', 'centre:12']) {
      expect(body).not.toContain(internal);
    }
    const other = (await accessLog(theirs.token)).json<Log>();
    expect(other.beneficiaries.map((b) => b.beneficiary_reference_id)).toEqual([theirs.ref]);
    expect(JSON.stringify(other)).not.toContain(mine.ref);
  });

  it('is empty for a citizen with no beneficiaries, and needs a citizen token', async () => {
    const newcomer = await login(t.app, t.outbox, '9812300033');
    expect((await accessLog(newcomer)).json()).toEqual({ beneficiaries: [] });
    expect((await t.app.inject({ url: '/api/v1/me/access-log' })).statusCode).toBe(401);
    expect((await accessLog(`${mine.token}x`)).statusCode).toBe(401);
  });
});
