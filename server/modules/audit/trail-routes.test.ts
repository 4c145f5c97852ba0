import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AADHAAR,
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  login,
} from '../../../test/helpers/citizen.js';
import { auditRows, type Session, staffClient } from '../../../test/helpers/staff.js';
import { manualClock } from '../../platform/clock.js';
import type { TrailRecord } from './schemas.js';

const MOBILE = '9812300042';
const AADHAAR_NUMBER = AADHAAR[2] as string;

let t: CitizenTestApp;
let auditor: Session;
let beneficiaryRef: string;
let others: Record<string, Record<string, string>>;

interface Page {
  records: TrailRecord[];
  next: number | null;
}
const trail = async (query: string, headers = auditor.headers) => {
  const response = await t.app.inject({ url: `/api/v1/audit/records?${query}`, headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Page>();
};

beforeAll(async () => {
  const clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await citizenTestApp({}, { clock });
  const staff = staffClient(t, clock);
  const national = await staff.nationalAdmin();
  auditor = await staff.member(national, 'auditor.trail', [{ role: 'auditor' }]);
  const vaccinator = await staff.member(national, 'vax.trail', [
    { role: 'vaccinator', district_id: 294 },
  ]);
  const districtAuditor = await staff.member(national, 'bbmp.trail', [
    { role: 'auditor', district_id: 294 },
  ]);
  const citizen = bearer(await login(t.app, t.outbox, MOBILE));
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v2/registration/beneficiary/new',
    headers: citizen,
    payload: {
      name: 'Asha Devi',
      birth_year: '1980',
      gender_id: 2,
      photo_id_type: 1,
      photo_id_number: AADHAAR_NUMBER,
      comorbidity_ind: 'N',
      consent_version: 'V1',
    },
  });
  expect(created.statusCode, created.body).toBe(200);
  beneficiaryRef = created.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
  others = {
    'national admin': national.headers,
    vaccinator: vaccinator.headers,
    'district auditor': districtAuditor.headers,
  };
});
afterAll(() => t.close());

describe('the audit trail for auditors', () => {
  it('pages newest first by the record id, each page continuing where the last ended', async () => {
    const first = await trail('limit=3');
    expect(first.records).toHaveLength(3);
    const top = (first.records[0] as TrailRecord).id;
    const whole = await trail(`before=${top + 1}&limit=200`);
    expect(whole.next).toBeNull();
    const ids = first.records.map((r) => r.id);
    for (let next = first.next; next !== null;) {
      const page = await trail(`before=${next}&limit=3`);
      expect(page.records.length).toBeLessThanOrEqual(3);
      ids.push(...page.records.map((r) => r.id));
      next = page.next;
    }
    expect(ids).toEqual(whole.records.map((r) => r.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(ids.length).toBeGreaterThan(10);
  });

  it('filters by action, by staff actor, by subject and by time', async () => {
    const logins = await trail('action=staff.login&limit=200');
    // The national admin, the auditor, the vaccinator and the district auditor signed in.
    expect(logins.records.length).toBeGreaterThanOrEqual(4);
    expect(new Set(logins.records.map((r) => r.action))).toEqual(new Set(['staff.login']));

    const mine = await trail(`actor=${auditor.id}&limit=200`);
    expect(mine.records.length).toBeGreaterThan(0);
    expect(mine.records.every((r) => r.actor_type === 'staff' && r.actor_id === auditor.id)).toBe(
      true,
    );
    expect(mine.records.map((r) => r.action)).toContain('audit.trail.read');

    const subject = await trail(`subject_type=beneficiary&subject_id=${beneficiaryRef}`);
    expect(subject.records.map((r) => r.action)).toContain('beneficiary.create');
    expect(subject.records.every((r) => r.subject_id === beneficiaryRef)).toBe(true);
    const otherSubject = await trail('subject_type=beneficiary&subject_id=00000000000000');
    expect(otherSubject.records).toEqual([]);

    const all = (await trail('limit=200')).records;
    const middle = all[Math.floor(all.length / 2)] as TrailRecord;
    const since = (await trail(`from=${middle.at}&limit=200`)).records;
    expect(since.map((r) => r.id)).toContain(middle.id);
    expect(since.every((r) => r.at >= middle.at.slice(0, 23))).toBe(true);
    const until = (await trail(`to=${middle.at}&limit=200`)).records;
    expect(until.map((r) => r.id)).not.toContain(middle.id);
    expect(until.length).toBeGreaterThan(0);
    expect(until.every((r) => r.at < middle.at)).toBe(true);
  });

  it('never shows a mobile or photo ID number', async () => {
    const { records } = await trail('limit=200');
    expect(records.map((r) => r.action)).toEqual(
      expect.arrayContaining(['citizen.otp.confirm', 'beneficiary.create']),
    );
    const text = JSON.stringify(records);
    expect(text).not.toContain(MOBILE);
    expect(text).not.toContain(AADHAAR_NUMBER);
    expect(text).not.toContain(AADHAAR_NUMBER.slice(0, 8));
  });

  it('records every read with its filters and the number of records shown', async () => {
    const before = await auditRows(t.database.db, 'audit.trail.read');
    const { records } = await trail('action=staff.login&limit=2');
    const after = await auditRows(t.database.db, 'audit.trail.read');
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({
      actor_type: 'staff',
      actor_id: auditor.id,
      outcome: 'allowed',
      details: { action: 'staff.login', limit: 2, records: records.length },
    });
  });

  it('refuses every role but auditor of the whole country, and records each refusal', async () => {
    const before = await auditRows(t.database.db, 'audit.trail.read');
    for (const [who, headers] of Object.entries(others)) {
      const response = await t.app.inject({ url: '/api/v1/audit/records', headers });
      expect({ who, status: response.statusCode }).toEqual({ who, status: 403 });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const refused = (await auditRows(t.database.db, 'audit.trail.read')).slice(before.length);
    expect(refused.map((r) => [r.outcome, r.reason])).toEqual(
      Array.from({ length: 3 }, () => ['denied', 'outside-jurisdiction']),
    );
    const anonymous = await t.app.inject({ url: '/api/v1/audit/records' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('answers bad queries with a 400 problem and records nothing', async () => {
    const before = await auditRows(t.database.db, 'audit.trail.read');
    const bad = [
      'limit=0',
      'limit=201',
      'limit=ten',
      'before=0',
      'before=-5',
      'before=1e3',
      'from=yesterday',
      'from=2026-03-01',
      'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z',
      // Valid ISO 8601, but outside what the database can compare (was a 500).
      'from=0000-01-01T00:00:00Z',
      'to=9999-12-31T23:59:59-23:59',
      'from=1999-12-31T23:59:59Z',
      'action=staff%20login',
      'action=STAFF.LOGIN',
      'actor=auditor.trail',
      'subject_id=a%20b',
      'page=2',
      'limit=2&limit=3',
    ];
    for (const query of bad) {
      const response = await t.app.inject({
        url: `/api/v1/audit/records?${query}`,
        headers: auditor.headers,
      });
      expect({ query, status: response.statusCode }).toEqual({ query, status: 400 });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json<{ code: string }>().code).toBe('invalid');
    }
    expect(await auditRows(t.database.db, 'audit.trail.read')).toHaveLength(before.length);
  });
});
