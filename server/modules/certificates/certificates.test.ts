import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

import canonicalizeModule from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import { engine, freshDatabase } from '../../../test/helpers/db.js';
import { loadConfig } from '../../config.js';
import { createKeyRing, parseMasterKeys } from '../../crypto/keys.js';
import { systemClock } from '../../platform/clock.js';
import { createLimits } from '../../platform/limits.js';
import { base45Decode, base45Encode, base58btcDecode, base58btcEncode } from './encoding.js';
import { createCertificateModule } from './module.js';
import { renderCertificatePdf } from './pdf.js';
import { encodeQrText, qrModules } from './qr.js';
import type { CertificateInput } from './schemas.js';

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string;
const masterKey = `test:${randomBytes(32).toString('base64')}`;
let t: TestApp;
let certificates: ReturnType<typeof createCertificateModule>;

beforeAll(async () => {
  t = await testApp({ TEEKA_MASTER_KEY: masterKey });
  // A second instance on the same database, as another node would be: it issues, the app verifies.
  certificates = createCertificateModule({
    db: t.database.db,
    limits: createLimits({ redisUrl: undefined, namespace: 'certificates-test' }),
    clock: systemClock,
    config: loadConfig({ NODE_ENV: 'test', TEEKA_MASTER_KEY: masterKey }),
    keys: createKeyRing(parseMasterKeys(masterKey, 'test')),
  });
});
afterAll(() => t.close());

let refCounter = 0;
const dose = (overrides: Partial<CertificateInput> = {}): CertificateInput => ({
  kind: 'provisional',
  beneficiaryReferenceId: `8765432109${String(++refCounter).padStart(4, '0')}`,
  name: 'Meera Iyer',
  yearOfBirth: 1990,
  gender: 'Female',
  photoId: { type: 'Aadhaar Card', maskedNumber: 'XXXXXXXX1234' },
  vaccine: 'COVISHIELD',
  manufacturer: 'Serum Institute of India Pvt. Ltd.',
  batch: '4121Z025',
  dose: 1,
  totalDoses: 2,
  vaccinatedAt: new Date('2021-09-17T10:30:00Z'),
  centre: { name: 'UPHC Jayanagar', district: 'BBMP', state: 'Karnataka' },
  vaccinator: 'Sunita Devi',
  ...overrides,
});

const issue = (input = dose()) =>
  t.database.db.transaction().execute((tx) => certificates.service.issueCertificate(tx, input));

async function verifyQr(qr: unknown) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/certificates/verify',
    payload: { qr },
  });
  expect(response.statusCode).toBeLessThan(500);
  return response;
}

describe('POST /api/v1/certificates/verify', () => {
  it('says valid, with the minimal facts, for a certificate Teeka issued', async () => {
    const certificate = await issue();
    const response = await verifyQr(certificate.qrText);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      format: 'w3c-vc',
      status: 'valid',
      reason: 'signature-valid',
      certificate: {
        certificate_id: certificate.certificateId,
        name: 'Meera Iyer',
        dose: 1,
        total_doses: 2,
        date: '2021-09-17',
        vaccine: 'COVISHIELD',
      },
    });
  });

  it("gives the dose date as India's calendar has it, as the PDF prints it", async () => {
    const late = await issue(dose({ vaccinatedAt: new Date('2021-09-16T20:00:00Z') }));
    const response = await verifyQr(late.qrText);
    expect(response.json()).toMatchObject({ certificate: { date: '2021-09-17' } });
  });

  it('says invalid when one character of the name is changed', async () => {
    const { credential } = await issue();
    const tampered = structuredClone(credential);
    tampered.credentialSubject.name = 'Meera Iyar';
    const response = await verifyQr(encodeQrText(tampered));
    expect(response.json()).toEqual({
      format: 'w3c-vc',
      status: 'invalid',
      reason: 'bad-signature',
    });
  });

  it('says invalid for a credential signed by a key Teeka never published', async () => {
    const { credential } = await issue();
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = structuredClone(credential);
    forged.proof.verificationMethod = `${credential.issuer}#not-a-published-key`;
    const unknown = await verifyQr(encodeQrText(resign(forged, privateKey)));
    expect(unknown.json()).toEqual({ format: 'w3c-vc', status: 'invalid', reason: 'unknown-key' });
    // The published key id, but signed by another key: the signature does not match.
    const impostor = await verifyQr(encodeQrText(resign(structuredClone(credential), privateKey)));
    expect(impostor.json()).toEqual({
      format: 'w3c-vc',
      status: 'invalid',
      reason: 'bad-signature',
    });
  });

  it('says revoked for a revoked certificate, lists it, and audits issue and revoke', async () => {
    const certificate = await issue();
    await t.database.db
      .transaction()
      .execute((tx) =>
        certificates.service.revokeCertificate(tx, certificate.certificateId, 'name corrected'),
      );
    const response = await verifyQr(certificate.qrText);
    expect(response.json()).toEqual({
      format: 'w3c-vc',
      status: 'revoked',
      reason: 'revoked-by-issuer',
    });

    const list = await t.app.inject('/api/v1/certificates/revocations');
    expect(list.statusCode).toBe(200);
    expect(
      list.json<{ revoked: { certificate_id: string }[] }>().revoked.map((r) => r.certificate_id),
    ).toContain(certificate.certificateId);

    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'subject_id', 'details'])
      .where('subject_id', '=', certificate.beneficiaryReferenceId)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['certificate.issue', 'certificate.revoke']);
    expect(JSON.stringify(audit)).not.toContain('Meera');
  });

  it('answers garbage, truncated, foreign and huge input clearly, never with a 5xx', async () => {
    const { qrText, credential } = await issue();
    const cases: [unknown, number, string?][] = [
      ['hello', 200, 'not-a-teeka-certificate'],
      // The start of an EU DCC: read as one (Teeka verifies its own DCCs), and cut short.
      ['HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N', 200, 'malformed'],
      [qrText.slice(0, qrText.length - 40), 200, 'malformed'],
      [qrText.slice(0, 40), 200, 'malformed'],
      ['TK1:', 200, 'malformed'],
      ['TK1:abc', 200, 'malformed'],
      ['TK1:' + base45Encode(deflateRawSync('{"hello":"world"}')), 200, 'malformed'],
      ['TK1:' + base45Encode(deflateRawSync('['.repeat(5000))), 200, 'malformed'],
      ['TK1:' + base45Encode(deflateRawSync(Buffer.alloc(2_000_000, 32))), 200, 'malformed'],
      [
        'TK1:' +
          base45Encode(
            deflateRawSync(JSON.stringify({ ...credential, issuer: 'did:web:evil.example' })),
          ),
        200,
        'unknown-issuer',
      ],
      ['x'.repeat(5_000), 400],
      ['', 400],
      [12345, 400],
      [null, 400],
    ];
    for (const [qr, status, reason] of cases) {
      const response = await verifyQr(qr);
      expect(response.statusCode, String(qr).slice(0, 40)).toBe(status);
      if (reason)
        expect(response.json(), String(qr).slice(0, 40)).toMatchObject({
          status: 'invalid',
          reason,
        });
    }
    const extra = await t.app.inject({
      method: 'POST',
      url: '/api/v1/certificates/verify',
      payload: { qr: qrText, name: 'x' },
    });
    expect(extra.statusCode).toBe(400);
    const huge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/certificates/verify',
      payload: { qr: 'TK1:' + 'A'.repeat(200_000) },
    });
    expect(huge.statusCode).toBe(413);
  });
});

describe('issuer keys', () => {
  it('publishes a JWKS and a did:web document; rotation keeps old certificates valid', async () => {
    const before = await issue();
    const rotated = await t.database.db
      .transaction()
      .execute((tx) => certificates.issuerKeys.rotate(tx));
    const after = await issue();
    expect(after.credential.proof.verificationMethod).toBe(rotated.verificationMethod);
    expect(before.credential.proof.verificationMethod).not.toBe(rotated.verificationMethod);

    for (const certificate of [before, after]) {
      expect((await verifyQr(certificate.qrText)).json()).toMatchObject({ status: 'valid' });
    }
    const jwks = await t.app.inject('/.well-known/jwks.json');
    expect(jwks.statusCode).toBe(200);
    const kids = jwks.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid);
    for (const certificate of [before, after]) {
      expect(kids).toContain(certificate.credential.proof.verificationMethod.split('#')[1]);
    }
    const did = await t.app.inject('/.well-known/did.json');
    expect(did.json()).toMatchObject({ id: 'did:web:localhost' });
    expect(did.json<{ assertionMethod: string[] }>().assertionMethod).toContain(
      rotated.verificationMethod,
    );
    const context = await t.app.inject('/credentials/vaccination/v1');
    expect(context.headers['content-type']).toContain('application/ld+json');
  });

  it('stores the private keys encrypted, never in the clear', async () => {
    await issue();
    const rows = await t.database.db
      .selectFrom('certificate_keys')
      .select(['private_key'])
      .execute();
    for (const row of rows) expect(row.private_key).toMatch(/^v1\.test\./);
    const stored = await t.database.db.selectFrom('certificates').select('credential').execute();
    for (const row of stored) expect(row.credential).not.toContain('Meera');
  });
});

describe('an independent verifier with only the published JWKS', () => {
  /** base58-btc decoding written from the alphabet, unlike encoding.ts: BigInt arithmetic. */
  function base58(text: string): Buffer {
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    let n = 0n;
    for (const c of text) n = n * 58n + BigInt(alphabet.indexOf(c));
    const hex = n.toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  }

  /** W3C vc-di-eddsa 3.3.2 "Verify Proof (eddsa-jcs-2022)", step by step. */
  function verifyWithJwks(
    secured: Record<string, unknown>,
    jwks: { keys: { kid: string; x: string }[] },
  ) {
    const { proof, ...unsecuredDocument } = secured as {
      proof: Record<string, unknown>;
      [field: string]: unknown;
    };
    const { proofValue, ...proofOptions } = proof;
    if (proofOptions.type !== 'DataIntegrityProof' || proofOptions.cryptosuite !== 'eddsa-jcs-2022')
      return false;
    const kid = String(proofOptions.verificationMethod).split('#')[1];
    const jwk = jwks.keys.find((k) => k.kid === kid);
    if (!jwk) return false;
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      format: 'jwk',
    });
    unsecuredDocument['@context'] = proofOptions['@context'];
    const hash = (value: unknown) => createHash('sha256').update(canonicalize(value)).digest();
    const hashData = Buffer.concat([hash(proofOptions), hash(unsecuredDocument)]);
    return verify(null, hashData, publicKey, base58(String(proofValue).slice(1)));
  }

  it('accepts what Teeka signs and rejects a changed name', async () => {
    const { credential } = await issue(dose({ kind: 'final', dose: 2, name: 'आरव शर्मा' }));
    const jwks = (await t.app.inject('/.well-known/jwks.json')).json<{
      keys: { kid: string; x: string }[];
    }>();
    expect(verifyWithJwks(structuredClone(credential), jwks)).toBe(true);
    const tampered = structuredClone(credential);
    tampered.credentialSubject.name = 'आरव शर्मा.';
    expect(verifyWithJwks(tampered, jwks)).toBe(false);
    expect(credential['@context'][0]).toBe('https://www.w3.org/2018/credentials/v1');
    expect(credential.type).toEqual(['VerifiableCredential', 'ProofOfVaccinationCredential']);
  });
});

describe('issueCertificate rules and the citizen-facing pieces', () => {
  it('refuses a full photo ID number and a kind that does not match the dose', async () => {
    await expect(
      issue(dose({ photoId: { type: 'Aadhaar Card', maskedNumber: '123456781234' } })),
    ).rejects.toMatchObject({
      code: 'invalid-certificate-input',
    });
    await expect(
      issue(dose({ kind: 'provisional', dose: 2, totalDoses: 2 })),
    ).rejects.toMatchObject({
      code: 'invalid-certificate-input',
    });
  });

  it("returns the beneficiary's newest certificate that is not revoked", async () => {
    const first = await issue();
    const ref = first.beneficiaryReferenceId;
    const second = await issue(dose({ beneficiaryReferenceId: ref, kind: 'final', dose: 2 }));
    const db = t.database.db;
    expect(
      (
        await db
          .transaction()
          .execute((tx) => certificates.service.getCertificateForBeneficiary(tx, ref))
      )?.certificateId,
    ).toBe(second.certificateId);
    await db
      .transaction()
      .execute((tx) =>
        certificates.service.revokeCertificate(tx, second.certificateId, 'issued in error'),
      );
    const current = await db
      .transaction()
      .execute((tx) => certificates.service.getCertificateForBeneficiary(tx, ref));
    expect(current?.certificateId).toBe(first.certificateId);
    expect(current?.credential).toEqual(first.credential);
  });

  it('fits the QR in a printable symbol and renders a PDF with embedded fonts', async () => {
    const certificate = await issue(
      dose({
        name: 'Aaradhya Krishnamurthy Venkataraman Subramaniam',
        centre: {
          name: 'Urban Primary Health Centre Jayanagar 4th Block',
          district: 'BBMP',
          state: 'Karnataka',
        },
      }),
    );
    // Version 25 is 117 modules a side: 0.5 mm modules print it in under 6.5 cm.
    expect(qrModules(certificate.qrText).version).toBeLessThanOrEqual(25);
    const pdf = (await renderCertificatePdf(certificate)).toString('latin1');
    expect(pdf.startsWith('%PDF-')).toBe(true);
    expect(pdf).toContain('NotoSansDevanagari-Regular');
    expect(pdf).toContain('NotoSansDevanagari-Bold');
    expect(pdf).toMatch(/\/FontFile2/);
    const greek = await issue(dose({ name: 'Νίκος Παπαδόπουλος' }));
    expect((await renderCertificatePdf(greek)).toString('latin1')).toContain('NotoSans-Bold');
  });
});

describe('encodings', () => {
  it('matches the base45 examples of RFC 9285 and rejects invalid text', () => {
    expect(base45Encode(Buffer.from('AB'))).toBe('BB8');
    expect(base45Encode(Buffer.from('Hello!!'))).toBe('%69 VD92EX0');
    expect(base45Encode(Buffer.from('base-45'))).toBe('UJCLQE7W581');
    expect(base45Decode('QED8WEX0')).toEqual(new TextEncoder().encode('ietf!'));
    expect(base45Decode('GGW')).toBeUndefined(); // 65535 < value: RFC 9285 4.4
    expect(base45Decode('A')).toBeUndefined();
    expect(base45Decode('ab')).toBeUndefined();
  });

  it('round-trips base58-btc, leading zeros included', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from([0, 0, 1, 2]), randomBytes(64)]) {
      expect(base58btcDecode(base58btcEncode(bytes))).toEqual(new Uint8Array(bytes));
    }
    expect(base58btcDecode('0OIl')).toBeUndefined();
  });
});

/** Re-signs a credential (proof replaced) with another key, as a forger would. */
function resign<T extends { proof: { proofValue: string; '@context'?: unknown } }>(
  credential: T,
  privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'],
): T {
  const { proof, ...unsecured } = credential;
  const { proofValue: _dropped, ...options } = proof;
  const hash = (value: unknown) => createHash('sha256').update(canonicalize(value)).digest();
  const signature = sign(null, Buffer.concat([hash(options), hash(unsecured)]), privateKey);
  return { ...credential, proof: { ...options, proofValue: `z${base58btcEncode(signature)}` } };
}

describe.runIf(engine === 'postgres')('concurrent issuing on PostgreSQL', () => {
  it('creates one first key when many certificates are issued at once on an empty database', async () => {
    const database = await freshDatabase(12);
    try {
      const ring = createKeyRing(parseMasterKeys(masterKey, 'test'));
      const node = () =>
        createCertificateModule({
          db: database.db,
          limits: createLimits({ redisUrl: undefined, namespace: 'certificates-race' }),
          clock: systemClock,
          config: { issuerHost: 'localhost' },
          keys: ring,
        }).service;
      const [first, second] = [node(), node()];
      const issued = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          database.db
            .transaction()
            .execute((tx) => (i % 2 ? first : second).issueCertificate(tx, dose())),
        ),
      );
      const keysStored = await database.db.selectFrom('certificate_keys').selectAll().execute();
      expect(keysStored).toHaveLength(1);
      expect(new Set(issued.map((c) => c.certificateId)).size).toBe(20);
      for (const certificate of issued) {
        expect(certificate.credential.proof.verificationMethod).toBe(
          `did:web:localhost#${keysStored[0]?.kid}`,
        );
      }
    } finally {
      await database.close();
    }
  });
});
