import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  login,
} from '../../../test/helpers/citizen.js';
import { rfcVerifyConsistency, rfcVerifyInclusion } from '../../../test/helpers/rfc9162.js';
import {
  auditRows,
  type Session,
  staffClient,
  type TestClock,
  totp,
} from '../../../test/helpers/staff.js';
import { manualClock } from '../../platform/clock.js';

let t: CitizenTestApp;
let clock: TestClock;
let staff: ReturnType<typeof staffClient>;
let national: Session;
let auditor: Session;
let others: Record<string, Record<string, string>>;

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });
const hex = (text: string) => Buffer.from(text, 'hex');

beforeAll(async () => {
  clock = manualClock(new Date('2026-03-01T08:00:00Z'));
  t = await citizenTestApp({}, { clock });
  staff = staffClient(t, clock);
  national = await staff.nationalAdmin();
  auditor = await staff.member(national, 'auditor.one', [{ role: 'auditor' }]);
  const vaccinator = await staff.member(national, 'vax.one', [
    { role: 'vaccinator', district_id: 294 },
  ]);
  const districtAdmin = await staff.member(national, 'bbmp.admin', [
    { role: 'district-admin', district_id: 294 },
  ]);
  const districtAuditor = await staff.member(national, 'bbmp.auditor', [
    { role: 'auditor', district_id: 294 },
  ]);
  others = {
    vaccinator: vaccinator.headers,
    'district admin': districtAdmin.headers,
    'district auditor': districtAuditor.headers,
    citizen: bearer(await login(t.app, t.outbox, '9812300001')),
    'no login': {},
  };
  await t.app.inject({
    method: 'POST',
    url: '/api/v1/audit/checkpoints',
    headers: national.headers,
  });
});
afterAll(() => t.close());

const latest = async (headers: Record<string, string>) =>
  get('/api/v1/audit/checkpoints/latest', headers);

describe('audit proofs over the staff API', () => {
  it('gives auditors and national admins inclusion proofs that verify by RFC 9162', async () => {
    const checkpoint = (await latest(auditor.headers)).json<{
      treeSize: number;
      rootHash: string;
    }>();
    expect(checkpoint.treeSize).toBeGreaterThan(3);
    for (const who of [auditor, national]) {
      for (const recordId of [1, 2, checkpoint.treeSize]) {
        const response = await get(
          `/api/v1/audit/records/${recordId}/inclusion-proof?tree_size=${checkpoint.treeSize}`,
          who.headers,
        );
        expect(response.statusCode).toBe(200);
        const proof = response.json<{
          leafIndex: number;
          treeSize: number;
          leafHash: string;
          path: string[];
          rootHash: string;
        }>();
        expect(proof.rootHash).toBe(checkpoint.rootHash);
        expect(
          rfcVerifyInclusion(
            proof.leafIndex,
            proof.treeSize,
            hex(proof.leafHash),
            proof.path.map(hex),
            hex(checkpoint.rootHash),
          ),
        ).toBe(true);
      }
    }
  });

  it('gives consistency proofs between an old and a new checkpoint that verify by RFC 9162', async () => {
    const before = (await latest(auditor.headers)).json<{ treeSize: number; rootHash: string }>();
    await staff.login(auditor.username, auditor.password, auditor.secret); // more records
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: national.headers,
    });
    expect(made.statusCode).toBe(200);
    const after = made.json<{ treeSize: number; rootHash: string }>();
    expect(after.treeSize).toBeGreaterThan(before.treeSize);
    const response = await get(
      `/api/v1/audit/consistency-proof?from=${before.treeSize}&to=${after.treeSize}`,
      auditor.headers,
    );
    expect(response.statusCode).toBe(200);
    const proof = response.json<{ fromRoot: string; toRoot: string; proof: string[] }>();
    expect(proof.fromRoot).toBe(before.rootHash);
    expect(proof.toRoot).toBe(after.rootHash);
    expect(
      rfcVerifyConsistency(
        before.treeSize,
        after.treeSize,
        hex(before.rootHash),
        hex(after.rootHash),
        proof.proof.map(hex),
      ),
    ).toBe(true);
    expect((await latest(national.headers)).json()).toEqual(after);
  });

  it('answers unknown records and sizes out of range with a clear 4xx', async () => {
    const { treeSize } = (await latest(auditor.headers)).json<{ treeSize: number }>();
    const cases: [string, number, string][] = [
      ['/api/v1/audit/records/999999999/inclusion-proof', 404, 'audit-record-not-in-tree'],
      [
        `/api/v1/audit/records/1/inclusion-proof?tree_size=${treeSize + 1000}`,
        400,
        'audit-bad-tree-size',
      ],
      ['/api/v1/audit/records/0/inclusion-proof', 400, 'invalid'],
      ['/api/v1/audit/records/abc/inclusion-proof', 400, 'invalid'],
      ['/api/v1/audit/records/1/inclusion-proof?tree_size=-1', 400, 'invalid'],
      ['/api/v1/audit/records/1/inclusion-proof?size=1', 400, 'invalid'],
      [`/api/v1/audit/consistency-proof?from=5&to=${treeSize + 1}`, 400, 'audit-bad-tree-size'],
      ['/api/v1/audit/consistency-proof?from=5&to=3', 400, 'audit-bad-tree-size'],
      ['/api/v1/audit/consistency-proof?from=0&to=3', 400, 'invalid'],
      ['/api/v1/audit/consistency-proof?from=1', 400, 'invalid'],
      ['/api/v1/audit/consistency-proof?from=1&to=99999999999999999999', 400, 'invalid'],
    ];
    for (const [url, status, code] of cases) {
      const response = await get(url, auditor.headers);
      expect({
        url,
        status: response.statusCode,
        code: response.json<{ code: string }>().code,
      }).toEqual({ url, status, code });
    }
  });

  it('refuses everyone else, and records each refusal', async () => {
    const urls = [
      '/api/v1/audit/records/1/inclusion-proof',
      '/api/v1/audit/consistency-proof?from=1&to=2',
      '/api/v1/audit/checkpoints/latest',
    ];
    for (const [who, headers] of Object.entries(others)) {
      const expected = who === 'citizen' || who === 'no login' ? 401 : 403;
      for (const url of urls) {
        expect({ who, url, status: (await get(url, headers)).statusCode }).toEqual({
          who,
          url,
          status: expected,
        });
      }
      const post = await t.app.inject({
        method: 'POST',
        url: '/api/v1/audit/checkpoints',
        headers,
      });
      expect({ who, status: post.statusCode }).toEqual({ who, status: expected });
    }
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: auditor.headers,
    });
    expect(post.statusCode).toBe(403);
    const refused = await auditRows(t.database.db, 'audit.proof.inclusion');
    expect(refused.filter((r) => r.outcome === 'denied')).toHaveLength(3);
  });

  it('makes a checkpoint on demand only with a fresh second factor', async () => {
    clock.advance(6 * 60_000);
    const stale = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: national.headers,
    });
    expect(stale.statusCode).toBe(403);
    expect(stale.json<{ code: string }>().code).toBe('step-up-required');
    clock.advance(30_000);
    const stepUp = await t.app.inject({
      method: 'POST',
      url: '/api/v1/staff/auth/step-up',
      headers: national.headers,
      payload: { code: totp(national.secret, clock) },
    });
    expect(stepUp.statusCode).toBe(200);
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/checkpoints',
      headers: national.headers,
    });
    expect(made.statusCode).toBe(200);
    const recorded = await auditRows(t.database.db, 'audit.checkpoint.create');
    expect(recorded.map((r) => r.outcome)).toContain('allowed');
    expect(recorded.find((r) => r.reason === 'step-up-required')).toBeDefined();
  });
});
