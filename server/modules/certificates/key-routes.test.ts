import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditRows, type Session } from '../../../test/helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { loadConfig } from '../../config.js';
import { createKeyRing, parseMasterKeys } from '../../crypto/keys.js';
import { createLimits } from '../../platform/limits.js';
import { createCertificateModule } from './module.js';

let w: VaccinationWorld;
let karnataka: Session;
let sessionId: string;

const KEYS = '/api/v1/admin/keys';
const ROTATE = '/api/v1/admin/keys/rotate';
const FIVE_MINUTES = 5 * 60_000;

interface SigningKeys {
  keys: {
    format: string;
    current: { kid: string; generation: number } | null;
    published: { kid: string; generation: number }[];
  }[];
}

const rotate = (by: Session, payload: unknown) =>
  w.t.app.inject({
    method: 'POST',
    url: ROTATE,
    headers: by.headers,
    payload: payload as Record<string, unknown>,
  });
const signingKeys = (by: Session) => w.t.app.inject({ url: KEYS, headers: by.headers });
const currentOf = (body: SigningKeys, format: string) =>
  body.keys.find((k) => k.format === format)?.current;

/** A citizen booked, checked in and given dose 1 over HTTP; their certificate as stored. */
async function vaccinated() {
  const { token, ids } = await w.citizen(1);
  const ref = ids[0] ?? '';
  expect((await w.book(token, sessionId, [ref])).statusCode).toBe(200);
  await w.checkIn(sessionId, ref);
  expect((await w.dose(w.vaccinator, w.doseBody(sessionId, ref))).statusCode).toBe(200);
  const certificate = await w.certificates.getCertificateForBeneficiary(w.t.database.db, ref);
  if (!certificate) throw new Error('no certificate after the dose');
  return certificate;
}

beforeAll(async () => {
  w = await vaccinationWorld('98453');
  karnataka = await w.staff.member(w.national, 'ka.keys', [{ role: 'state-admin', state_id: 16 }]);
  sessionId = await w.session(w.centreA);
}, 120_000);
afterAll(() => w.close());

describe('certificate signing keys over HTTP', () => {
  it('refuses every role but national admin, and a national admin without a fresh second factor; each refusal is recorded', async () => {
    await w.stepUp(karnataka);
    expect((await signingKeys(karnataka)).statusCode).toBe(403);
    const refused = await rotate(karnataka, { format: 'vc' });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);

    // The login's second factor has gone stale.
    w.clock.advance(FIVE_MINUTES + 1000);
    const stale = await rotate(w.national, { format: 'vc' });
    expect(stale.statusCode).toBe(403);
    expect(stale.json()).toMatchObject({ code: 'step-up-required' });

    expect(
      (await auditRows(w.t.database.db, 'certificate-key.rotate')).map((row) => [
        row.actor_id,
        row.outcome,
        row.reason,
      ]),
    ).toEqual([
      [karnataka.id, 'denied', 'outside-jurisdiction'],
      [w.national.id, 'denied', 'step-up-required'],
    ]);
    expect(
      (await auditRows(w.t.database.db, 'certificate-key.read')).map((row) => row.actor_id),
    ).toEqual([karnataka.id]);
    // Nothing was rotated: no second generation of any key.
    const keys = (await signingKeys(w.national)).json<SigningKeys>();
    expect(keys.keys.every((k) => (k.current?.generation ?? 1) === 1)).toBe(true);
  });

  it.each([
    [{}, 'no format'],
    [{ format: 'csca' }, 'the CSCA'],
    [{ format: 'VC' }, 'a format in capitals'],
    [{ format: 'vc', generation: 9 }, 'an unknown field'],
    [[{ format: 'vc' }], 'an array'],
  ] as [unknown, string][])(
    'answers a bad body (%j: %s) with 400 problem+json and rotates nothing',
    async (body) => {
      await w.stepUp(w.national);
      const bad = await rotate(w.national, body);
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(
        (await auditRows(w.t.database.db, 'certificate-key.rotate')).filter(
          (row) => row.outcome === 'allowed',
        ),
      ).toEqual([]);
    },
  );

  it('rotates the W3C VC key: the new kid is published, what the old key signed still verifies, the next certificate is signed with the new key', async () => {
    const before = await vaccinated();
    const listed = await signingKeys(w.national);
    expect(listed.statusCode).toBe(200);
    const old = currentOf(listed.json<SigningKeys>(), 'vc');
    expect(old?.generation).toBe(1);
    expect(before.credential.proof.verificationMethod.split('#')[1]).toBe(old?.kid);
    // Public facts only: no private key, nothing encrypted.
    expect(listed.body).not.toMatch(/private|secret|"d"|v1:/i);

    await w.stepUp(w.national);
    const rotated = await rotate(w.national, { format: 'vc' });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const key = rotated.json<{ format: string; kid: string; generation: number }>();
    expect(key).toMatchObject({ format: 'vc', generation: 2 });
    expect(key.kid).not.toBe(old?.kid);

    const after = (await signingKeys(w.national)).json<SigningKeys>();
    expect(currentOf(after, 'vc')).toEqual({ kid: key.kid, generation: 2 });
    expect(after.keys.find((k) => k.format === 'vc')?.published).toEqual([
      old,
      { kid: key.kid, generation: 2 },
    ]);

    const did = await w.t.app.inject({ url: '/.well-known/did.json' });
    const methods = did
      .json<{ verificationMethod: { id: string }[] }>()
      .verificationMethod.map((m) => m.id.split('#')[1]);
    expect(methods).toEqual(expect.arrayContaining([old?.kid, key.kid]));
    const jwks = await w.t.app.inject({ url: '/.well-known/jwks.json' });
    const kids = jwks.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([old?.kid, key.kid]));

    const next = await vaccinated();
    expect(next.credential.proof.verificationMethod.split('#')[1]).toBe(key.kid);
    for (const certificate of [before, next]) {
      expect(await w.verify(certificate.qrText)).toMatchObject({ status: 'valid' });
    }

    const audited = (await auditRows(w.t.database.db, 'certificate-key.rotate')).at(-1);
    expect(audited).toMatchObject({
      actor_type: 'staff',
      actor_id: w.national.id,
      outcome: 'allowed',
      details: { format: 'vc', key_id: key.kid, generation: 2 },
    });
  }, 60_000);

  it('rotates the SMART Health Card key to a new published kid, leaving the others alone', async () => {
    const before = (await signingKeys(w.national)).json<SigningKeys>();
    await w.stepUp(w.national);
    const rotated = await rotate(w.national, { format: 'shc' });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const key = rotated.json<{ kid: string; generation: number }>();
    const after = (await signingKeys(w.national)).json<SigningKeys>();
    expect(currentOf(after, 'shc')).toEqual({ kid: key.kid, generation: key.generation });
    expect(key.generation).toBe((currentOf(before, 'shc')?.generation ?? 0) + 1);
    expect(currentOf(after, 'vc')).toEqual(currentOf(before, 'vc'));
    expect(currentOf(after, 'dcc')).toEqual(currentOf(before, 'dcc'));
    const jwks = await w.t.app.inject({ url: '/.well-known/jwks.json' });
    expect(jwks.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid)).toContain(key.kid);
  });

  it('two rotations of one format at the same moment: each answers 200 with its own generation, or the loser 409, never a 5xx', async () => {
    const before = currentOf((await signingKeys(w.national)).json<SigningKeys>(), 'vc');
    await w.stepUp(w.national);
    const answers = await Promise.all([
      rotate(w.national, { format: 'vc' }),
      rotate(w.national, { format: 'vc' }),
    ]);
    const won = answers.filter((a) => a.statusCode === 200);
    const lost = answers.filter((a) => a.statusCode !== 200);
    expect(won.length).toBeGreaterThan(0);
    for (const answer of lost) {
      expect(answer.statusCode).toBe(409);
      expect(answer.json()).toMatchObject({ code: 'key-rotation-raced' });
    }
    const generations = won.map((a) => a.json<{ generation: number }>().generation).sort();
    const first = (before?.generation ?? 0) + 1;
    expect(generations).toEqual(won.length === 2 ? [first, first + 1] : [first]);
    const after = currentOf((await signingKeys(w.national)).json<SigningKeys>(), 'vc');
    expect(after?.generation).toBe(first + won.length - 1);
  });

  it('stays on while the public and citizen APIs are switched off: it is a staff route', async () => {
    const killSwitch = (target: string, state: 'on' | 'off') =>
      w.t.app.inject({
        method: 'PUT',
        url: '/api/v1/admin/kill-switch',
        headers: w.national.headers,
        payload: { target, killSwitch: state, reason: 'drill: keys stay reachable' },
      });
    await w.stepUp(w.national);
    expect((await killSwitch('public', 'on')).statusCode).toBe(200);
    expect((await killSwitch('citizen', 'on')).statusCode).toBe(200);
    try {
      expect((await w.t.app.inject({ url: '/api/v2/admin/location/states' })).statusCode).toBe(503);
      expect((await signingKeys(w.national)).statusCode).toBe(200);
      expect((await rotate(w.national, { format: 'dcc' })).statusCode).toBe(200);
    } finally {
      expect((await killSwitch('public', 'off')).statusCode).toBe(200);
      expect((await killSwitch('citizen', 'off')).statusCode).toBe(200);
    }
  });
});

describe('a rotation whose transaction rolls back', () => {
  it('leaves this node signing with the key still stored, for every format', async () => {
    const { db } = w.t.database;
    // A node of its own, whose key caches this test reads.
    const { keyRotation, issuerKeys, formatKeys } = createCertificateModule({
      db,
      limits: createLimits({}),
      clock: w.clock,
      keys: createKeyRing(parseMasterKeys(w.masterKey, 'TEEKA_MASTER_KEY')),
      config: loadConfig({ NODE_ENV: 'test' }),
    });
    const signing = async () => ({
      vc: (await issuerKeys.current(db)).kid,
      shc: (await formatKeys.current(db, 'shc')).kid,
      dcc: (await formatKeys.current(db, 'dcc')).kid,
    });
    const before = await signing();
    for (const format of ['vc', 'shc', 'dcc'] as const) {
      await expect(
        db.transaction().execute(async (tx) => {
          await keyRotation.rotate(tx, format, { type: 'system', id: 'test' });
          throw new Error('rolled back after the new key was written');
        }),
      ).rejects.toThrow('rolled back');
    }
    // No time passes: a cache of the rolled-back keys would still be fresh.
    expect(await signing()).toEqual(before);
  });
});
