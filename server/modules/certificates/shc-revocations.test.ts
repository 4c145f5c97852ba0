import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { certificateNode } from '../../../test/helpers/certificates.js';
import { shcParts, shcQr } from '../../../test/helpers/spec-codecs.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { expectProblem } from '../../../test/security/problem.js';
import { createKeyRing, parseMasterKeys } from '../../crypto/keys.js';
import { createFormatKeys } from './format-keys.js';
import { createFormatKeyStore } from './format-store.js';
import { createShcRevocations } from './shc-revocations.js';
import { createCertificateStore } from './store.js';

/* The SMART Health Cards revocation list (framework 1.2.0) as a foreign verifier reads it. */

let w: VaccinationWorld;
beforeAll(async () => {
  w = await vaccinationWorld('98461');
});
afterAll(() => w.close());

interface ShcJwk {
  kty: string;
  kid: string;
  crlVersion?: number;
}
const shcKeys = async () =>
  (await w.t.app.inject({ url: '/.well-known/jwks.json' }))
    .json<{ keys: ShcJwk[] }>()
    .keys.filter((k) => k.kty === 'EC');
const crl = (kid: string, headers: Record<string, string> = {}) =>
  w.t.app.inject({ url: `/.well-known/crl/${kid}.json`, headers });

/** A citizen vaccinated over the API, and the card they download over the API. */
async function vaccinatedWithCard() {
  const session = await w.session(w.centreA);
  const { token, ids } = await w.citizen(1);
  const ref = ids[0] ?? '';
  await w.book(token, session, [ref]);
  await w.checkIn(session, ref);
  expect((await w.dose(w.vaccinator, w.doseBody(session, ref))).statusCode).toBe(200);
  const card = async () => {
    const file = await w.t.app.inject({
      url: `/api/v1/me/certificates/${ref}/smart-health-card`,
      headers: w.bearer(token),
    });
    expect(file.statusCode, file.body).toBe(200);
    const jws = file.json<{ verifiableCredential: string[] }>().verifiableCredential[0] ?? '';
    return { jws, ...shcParts(jws) };
  };
  return { token, ref, card };
}

describe('SMART Health Cards revocation list', () => {
  it('lists the rid of a card once a correction revokes its certificate, and raises crlVersion', async () => {
    const { token, ref, card } = await vaccinatedWithCard();
    const before = await card();
    expect(before.claims.vc.rid).toMatch(/^[A-Za-z0-9_-]{1,24}$/);
    const versionBefore = (await shcKeys()).find((k) => k.kid === before.kid)?.crlVersion ?? 0;
    const listBefore = await crl(before.kid);
    expect(listBefore.statusCode).toBe(200);
    expect(listBefore.json()).toMatchObject({ kid: before.kid, method: 'rid', ctr: versionBefore });
    expect(listBefore.json<{ rids: string[] }>().rids).not.toContain(before.claims.vc.rid);

    const decision = await w.approvedCorrection(token, ref, { name: 'Tess Person' });
    const after = await card();
    expect(after.claims.vc.rid).not.toBe(before.claims.vc.rid);

    const key = (await shcKeys()).find((k) => k.kid === before.kid);
    expect(key?.crlVersion).toBeGreaterThan(versionBefore);
    const listed = await crl(before.kid);
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['content-type']).toMatch(/^application\/json/);
    const list = listed.json<{ kid: string; method: string; ctr: number; rids: string[] }>();
    expect(list).toMatchObject({ kid: before.kid, method: 'rid', ctr: key?.crlVersion });
    expect(Object.keys(list).sort()).toEqual(['ctr', 'kid', 'method', 'rids']);
    // The rid inside the revoked card, as the card itself carries it; not the new card's.
    expect(list.rids).toContain(before.claims.vc.rid);
    expect(list.rids).not.toContain(after.claims.vc.rid);
    expect(new Set(list.rids).size).toBe(list.rids.length);
    expect(list.rids.every((rid) => /^[A-Za-z0-9_-]{1,24}$/.test(rid))).toBe(true);
    // Only the rid is published: no certificate id, and no reason.
    expect(listed.body).not.toContain(decision.revoked_certificate_id);
    expect(listed.body).not.toContain('corrected');

    const verified = await w.verify(shcQr(before.jws));
    expect(verified).toMatchObject({ status: 'revoked', reason: 'revoked-by-issuer' });
  });

  it('is cache-friendly: a short max-age and an ETag that changes with the list', async () => {
    const { token, ref, card } = await vaccinatedWithCard();
    const { kid } = await card();
    const first = await crl(kid);
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^".+"$/);
    const unchanged = await crl(kid, { 'if-none-match': etag });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');

    await w.approvedCorrection(token, ref, { name: 'Tessa Person' });
    const changed = await crl(kid, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.json<{ ctr: number }>().ctr).toBeGreaterThan(first.json<{ ctr: number }>().ctr);
  });

  it('gives every SHC key the same list after a rotation: a rid names a certificate, whichever key signed its card', async () => {
    const { token, ref, card } = await vaccinatedWithCard();
    const old = await card();
    const rotated = await w.t.database.db
      .transaction()
      .execute((tx) => certificateNode(w.t, w.masterKey).formatKeys.rotate(tx, 'shc'));
    expect(rotated.kid).not.toBe(old.kid);
    await w.approvedCorrection(token, ref, { name: 'Tasha Person' });

    const keys = await shcKeys();
    expect(keys.map((k) => k.kid)).toEqual(expect.arrayContaining([old.kid, rotated.kid]));
    const versions = new Set(keys.map((k) => k.crlVersion));
    expect(versions.size).toBe(1);
    for (const { kid, crlVersion } of keys) {
      const list = (await crl(kid)).json<{ ctr: number; rids: string[] }>();
      expect(list.ctr).toBe(crlVersion);
      expect(list.rids).toContain(old.claims.vc.rid);
    }
  });

  it('answers an unknown kid with a 404 and a malformed name with a 400, both problem+json', async () => {
    expectProblem(await crl('A'.repeat(43)), 404, 'unknown-key');
    expectProblem(await w.t.app.inject({ url: '/.well-known/crl/not%20a%20kid.json' }), 400);
    expectProblem(await w.t.app.inject({ url: '/.well-known/crl/abc.txt' }), 400);
    expectProblem(await w.t.app.inject({ url: `/.well-known/crl/${'a'.repeat(101)}.json` }), 400);
  });
});

describe('the revocation id', () => {
  it('gives back every certificate id exactly, past 2^53 and with leading digits kept', () => {
    const keys = createKeyRing(parseMasterKeys(w.masterKey, 'TEEKA_MASTER_KEY'));
    const revocations = createShcRevocations({
      store: createCertificateStore(),
      formatKeys: createFormatKeys({
        store: createFormatKeyStore(),
        keys,
        clock: w.clock,
        issuerHost: 'localhost',
      }),
      keys,
    });
    for (const id of ['1', '10', '1000000000000001', '9007199254740993', '9999999999999999']) {
      const rid = revocations.ridOf(id);
      expect(rid).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(revocations.certificateIdOfRid(rid)).toBe(id);
    }
    expect(revocations.certificateIdOfRid('not-a-rid')).toBeUndefined();
  });
});
