import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { deflateRawSync, deflateSync } from 'node:zlib';

import { encode as cborEncode, Tag } from 'cbor-x';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { certificateNode } from '../../../test/helpers/certificates.js';
import { type CitizenTestApp, citizenTestApp } from '../../../test/helpers/citizen.js';
import { b64url, es256, shcQr, sigStructure, toBase45 } from '../../../test/helpers/spec-codecs.js';

/* QR texts Teeka did not issue, or that were damaged or built to hurt: always a clear answer. */

const masterKey = `test:${randomBytes(32).toString('base64')}`;
let t: CitizenTestApp;
let node: ReturnType<typeof certificateNode>;
beforeAll(async () => {
  t = await citizenTestApp({ TEEKA_MASTER_KEY: masterKey });
  node = certificateNode(t, masterKey);
});
afterAll(() => t.close());

async function verifyQr(qr: string) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/certificates/verify',
    payload: { qr },
  });
  expect(response.statusCode, qr.slice(0, 40)).toBe(200);
  return response.json<{ format: string; status: string; reason: string; certificate?: object }>();
}

async function jwks() {
  const response = await t.app.inject({ url: '/.well-known/jwks.json' });
  return response.json<{ keys: Record<string, string>[] }>().keys;
}

describe('verifying foreign, damaged and hostile QR texts', () => {
  it('says unknown issuer for a validly signed SMART Health Card of another issuer, and tells key and signature failures apart', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const foreignKid = createHash('sha256')
      .update(`{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`)
      .digest('base64url');
    const card = (iss: string, kid: string, zip: string | null = 'DEF') => {
      const header = b64url(JSON.stringify({ alg: 'ES256', kid, ...(zip ? { zip } : {}) }));
      const body = {
        iss,
        nbf: 1_700_000_000,
        vc: {
          type: ['https://smarthealth.cards#health-card'],
          credentialSubject: {
            fhirVersion: '4.0.1',
            fhirBundle: {
              resourceType: 'Bundle',
              type: 'collection',
              entry: [
                {
                  fullUrl: 'resource:0',
                  resource: {
                    resourceType: 'Patient',
                    name: [{ family: 'Doe' }],
                    birthDate: '1980',
                  },
                },
                {
                  fullUrl: 'resource:1',
                  resource: {
                    resourceType: 'Immunization',
                    status: 'completed',
                    vaccineCode: {
                      coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '207' }],
                    },
                    patient: { reference: 'resource:0' },
                    occurrenceDateTime: '2021-05-01',
                  },
                },
              ],
            },
          },
        },
      };
      const payload = b64url(
        zip === 'DEF' ? deflateRawSync(JSON.stringify(body)) : JSON.stringify(body),
      );
      return shcQr(
        `${header}.${payload}.${b64url(es256(Buffer.from(`${header}.${payload}`), privateKey))}`,
      );
    };
    const shc = (reason: string) => ({ format: 'smart-health-card', status: 'invalid', reason });
    expect(
      await verifyQr(card('https://spec.smarthealth.cards/examples/issuer', foreignKid)),
    ).toEqual(shc('unknown-issuer'));
    expect(await verifyQr(card('https://localhost', foreignKid))).toEqual(shc('unknown-key'));
    // Teeka's own SHC key (the first card would create it).
    await t.database.db.transaction().execute((tx) => node.formatKeys.current(tx, 'shc'));
    const ourKid = (await jwks()).find((k) => k.kty === 'EC')?.kid ?? '';
    expect(ourKid).not.toBe('');
    expect(await verifyQr(card('https://localhost', ourKid))).toEqual(shc('bad-signature'));
    expect(await verifyQr(card('https://localhost', ourKid, 'GZIP'))).toEqual(
      shc('unsupported-compression'),
    );
    expect(await verifyQr(card('https://localhost', ourKid, null))).toEqual(
      shc('unsupported-compression'),
    );
  });

  it('says unknown issuer for a validly signed EU DCC whose signer is not in our trust list', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const protectedHeader = cborEncode(
      new Map<number, unknown>([
        [1, -7],
        [4, randomBytes(8)],
      ]),
    );
    const now = Math.floor(Date.now() / 1000);
    const hcert = {
      ver: '1.3.0',
      nam: { fnt: 'DOE' },
      dob: '1980',
      v: [
        {
          tg: '840539006',
          vp: 'J07BX03',
          mp: 'EU/1/20/1528',
          ma: 'ORG-100030215',
          dn: 1,
          sd: 2,
          dt: '2021-05-01',
          co: 'DE',
          is: 'Robert Koch-Institut',
          ci: 'URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W',
        },
      ],
    };
    const payload = cborEncode(
      new Map<number, unknown>([
        [1, 'DE'],
        [6, now],
        [4, now + 86_400],
        [-260, new Map([[1, hcert]])],
      ]),
    );
    const signature = es256(sigStructure(protectedHeader, payload), privateKey);
    const cose = cborEncode(new Tag([protectedHeader, new Map(), payload, signature], 18));
    expect(await verifyQr(`HC1:${toBase45(deflateSync(cose))}`)).toEqual({
      format: 'eu-dcc',
      status: 'invalid',
      reason: 'unknown-issuer',
    });
  });

  it('answers malformed base45, garbage, compression bombs and oversized payloads clearly, never a 5xx', async () => {
    const malformed = (format: string) => ({ format, status: 'invalid', reason: 'malformed' });
    for (const text of [
      'HC1:',
      'HC1:A',
      'HC1:GGW',
      'HC1:abc',
      'HC1:~~~~',
      `HC1:${toBase45(Buffer.from('not zlib'))}`,
      `HC1:${toBase45(deflateSync(cborEncode([1, 2, 3])))}`,
      `HC1:${toBase45(deflateSync(Buffer.from([0xff, 0xff])))}`,
    ]) {
      expect(await verifyQr(text), text).toEqual(malformed('eu-dcc'));
    }
    for (const text of [
      'shc:/',
      'shc:/1',
      'shc:/99',
      'shc:/1/2/5676',
      `shc:/${'56'.repeat(10)}`,
      shcQr('a.b.c'),
      shcQr(
        `${b64url('{"alg":"ES256","zip":"DEF","kid":"k"}')}.${b64url('not deflate')}.${b64url('s')}`,
      ),
    ]) {
      expect(await verifyQr(text), text).toEqual(malformed('smart-health-card'));
    }
    // Bombs: a few hundred bytes that inflate to megabytes stop at the bound.
    const dccBomb = `HC1:${toBase45(deflateSync(Buffer.alloc(1_000_000), { level: 9 }))}`;
    expect(dccBomb.length).toBeLessThan(4_296);
    expect(await verifyQr(dccBomb)).toEqual(malformed('eu-dcc'));
    const header = b64url('{"alg":"ES256","zip":"DEF","kid":"k"}');
    const shcBomb = shcQr(
      `${header}.${b64url(deflateRawSync(Buffer.alloc(400_000, 0x20), { level: 9 }))}.${b64url('s')}`,
    );
    expect(shcBomb.length).toBeLessThanOrEqual(4_296);
    expect(await verifyQr(shcBomb)).toEqual(malformed('smart-health-card'));
    expect(await verifyQr('HELLO WORLD')).toEqual({
      format: 'unknown',
      status: 'invalid',
      reason: 'not-a-teeka-certificate',
    });

    for (const qr of [`HC1:${'A'.repeat(4_300)}`, `shc:/${'5'.repeat(4_300)}`]) {
      const huge = await t.app.inject({
        method: 'POST',
        url: '/api/v1/certificates/verify',
        payload: { qr },
      });
      expect(huge.statusCode).toBe(400);
    }
    const enormous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/certificates/verify',
      payload: { qr: `HC1:${'A'.repeat(2_000_000)}` },
    });
    expect(enormous.statusCode).toBeGreaterThanOrEqual(400);
    expect(enormous.statusCode).toBeLessThan(500);
  });

  it('never answers random text after either prefix with anything but a clear invalid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('HC1:', 'shc:/'),
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.stringMatching(/^[0-9]{0,400}$/),
          fc.stringMatching(/^[0-9A-Z $%*+\-./:]{0,400}$/),
        ),
        async (prefix, rest) => {
          const result = await verifyQr(prefix + rest);
          expect(result.status).toBe('invalid');
        },
      ),
      { numRuns: 120 },
    );
  });
});
