import { createHash, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { deflateRawSync, deflateSync, inflateRawSync, inflateSync } from 'node:zlib';

import { decode as cborDecode, encode as cborEncode, Tag } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  certificateNode,
  citizenWithBeneficiary,
  doseFacts,
} from '../../../test/helpers/certificates.js';
import {
  bearer,
  type CitizenTestApp,
  citizenTestApp,
  mobileSequence,
} from '../../../test/helpers/citizen.js';
import {
  b64url,
  base45,
  es256Valid,
  json,
  shcJws,
  shcQr,
  sigStructure,
  toBase45,
} from '../../../test/helpers/spec-codecs.js';
import { manualClock } from '../../platform/clock.js';
import { KNOWN_VACCINES, vaccineCodesFor } from './ddcc.js';
import type { CertificateInput } from './schemas.js';

/* The SHC and the EU DCC as a foreign verifier reads them (decoders in test/helpers/spec-codecs.ts). */

const masterKey = `test:${randomBytes(32).toString('base64')}`;
const nextMobile = mobileSequence('94567');
let t: CitizenTestApp;
let node: ReturnType<typeof certificateNode>;

beforeAll(async () => {
  t = await citizenTestApp({ TEEKA_MASTER_KEY: masterKey });
  node = certificateNode(t, masterKey);
});
afterAll(() => t.close());

const issue = (ref: string, overrides: Partial<CertificateInput> = {}, module = node) =>
  t.database.db
    .transaction()
    .execute((tx) => module.service.issueCertificate(tx, doseFacts(ref, overrides)));

async function verifyQr(qr: string) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/certificates/verify',
    payload: { qr },
  });
  expect(response.statusCode, qr.slice(0, 40)).toBe(200);
  return response.json<{ format: string; status: string; reason: string; certificate?: object }>();
}

async function certified(overrides: Partial<CertificateInput> = {}) {
  const citizen = await citizenWithBeneficiary(t, nextMobile());
  const certificate = await issue(citizen.ref, overrides);
  const get = async <T>(path: string) => {
    const response = await t.app.inject({
      url: `/api/v1/me/certificates/${citizen.ref}${path}`,
      headers: bearer(citizen.token),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<T>();
  };
  return { ...citizen, certificate, get };
}

async function jwks() {
  const response = await t.app.inject({ url: '/.well-known/jwks.json' });
  return response.json<{ keys: Record<string, string>[] }>().keys;
}
async function trustList() {
  const response = await t.app.inject({ url: '/.well-known/dcc/trust-list.json' });
  return response.json<{
    certificates: { certificateType: string; kid: string; rawData: string; pem: string }[];
  }>().certificates;
}

describe('SMART Health Card, decoded from the specification', () => {
  it('is a compact ES256 JWS with zip DEF, kid the JWK thumbprint, over a FHIR R4 bundle with every field', async () => {
    const { certificate, get } = await certified();
    const file = await get<{ verifiableCredential: string[] }>('/smart-health-card');
    const jws = file.verifiableCredential[0] ?? '';
    expect(jws.length).toBeLessThanOrEqual(1195);
    const [header = '', payload = '', signature = ''] = jws.split('.');
    const protectedHeader = json(header);
    expect(Object.keys(protectedHeader).sort()).toEqual(['alg', 'kid', 'zip']);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', zip: 'DEF' });

    // The key is published with the W3C VC keys, told apart by kty/crv/alg.
    const keys = await jwks();
    const jwk = keys.find((k) => k.kid === protectedHeader.kid);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys.some((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && k.alg === 'EdDSA')).toBe(
      true,
    );
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
    const thumbprint = createHash('sha256')
      .update(`{"crv":"P-256","kty":"EC","x":"${jwk?.x}","y":"${jwk?.y}"}`)
      .digest('base64url');
    expect(protectedHeader.kid).toBe(thumbprint);
    const publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: jwk?.x, y: jwk?.y },
      format: 'jwk',
    });
    expect(
      es256Valid(
        Buffer.from(`${header}.${payload}`),
        publicKey,
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);

    const body = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8')) as {
      iss: string;
      nbf: number;
      vc: {
        type: string[];
        rid: string;
        credentialSubject: { fhirVersion: string; fhirBundle: unknown };
      };
    };
    expect(body.iss).toBe('https://localhost');
    expect(body.nbf).toBe(Math.floor(certificate.issuedAt.getTime() / 1000));
    expect(body.vc.type).toContain('https://smarthealth.cards#health-card');
    expect(body.vc.rid).toMatch(/^[\w-]{1,24}$/);
    expect(body.vc.credentialSubject.fhirVersion).toBe('4.0.1');
    expect(body.vc.credentialSubject.fhirBundle).toEqual({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'resource:0',
          resource: {
            resourceType: 'Patient',
            name: [{ family: 'Iyer', given: ['Meera'] }],
            birthDate: '1990',
          },
        },
        {
          fullUrl: 'resource:1',
          resource: {
            resourceType: 'Immunization',
            status: 'completed',
            vaccineCode: {
              coding: [
                { system: 'http://hl7.org/fhir/sid/cvx', code: '210' },
                { system: 'http://id.who.int/icd/release/11/mms', code: 'XM97T2' },
              ],
            },
            patient: { reference: 'resource:0' },
            occurrenceDateTime: '2021-09-17',
            performer: [{ actor: { display: 'UPHC Jayanagar' } }],
            lotNumber: '4121Z025',
          },
        },
      ],
    });

    // The QR text is the same card: numeric mode, two digits a character.
    const { qr_text: qrText } = await get<{ qr_text: string }>('/smart-health-card/qr');
    expect(qrText).toMatch(/^shc:\/(\d\d)+$/);
    const [qrHeader, qrPayload] = shcJws(qrText).split('.');
    expect(qrHeader).toBe(header);
    expect(qrPayload).toBe(payload);
  });

  it('round-trips through the verifier, which names the format; a tampered card fails', async () => {
    const { certificate, get } = await certified();
    const { qr_text: qrText } = await get<{ qr_text: string }>('/smart-health-card/qr');
    expect(await verifyQr(qrText)).toEqual({
      format: 'smart-health-card',
      status: 'valid',
      reason: 'signature-valid',
      certificate: {
        certificate_id: certificate.certificateId,
        name: 'Meera Iyer',
        dose: 2,
        total_doses: 2,
        date: '2021-09-17',
        vaccine: 'COVISHIELD',
      },
    });
    const [header = '', payload = '', signature = ''] = shcJws(qrText).split('.');
    const altered = inflateRawSync(Buffer.from(payload, 'base64url'))
      .toString()
      .replace('Meera', 'Meena');
    const tampered = `${header}.${b64url(deflateRawSync(altered))}.${signature}`;
    expect(await verifyQr(shcQr(tampered))).toEqual({
      format: 'smart-health-card',
      status: 'invalid',
      reason: 'bad-signature',
    });
  });
});

describe('EU DCC, decoded from the specification', () => {
  it('is HC1: base45 of zlib of a COSE_Sign1 (ES256, 8-byte kid of the DSC) over a CWT with the HCERT, every field', async () => {
    const { certificate, get } = await certified();
    const before = Math.floor(Date.now() / 1000);
    const { qr_text: qrText } = await get<{ qr_text: string }>('/eu-dcc');
    expect(qrText.startsWith('HC1:')).toBe(true);
    const compressed = base45(qrText.slice(4));
    expect(compressed[0]).toBe(0x78); // zlib (RFC 1950), not raw DEFLATE
    const cose = cborDecode(inflateSync(compressed)) as Tag;
    expect(cose).toBeInstanceOf(Tag);
    expect(cose.tag).toBe(18);
    const [protectedHeader, unprotected, payload, signature] = cose.value as [
      Buffer,
      unknown,
      Buffer,
      Buffer,
    ];
    expect(unprotected).toEqual({});
    expect(signature).toHaveLength(64);
    const headers = cborDecode(protectedHeader) as Record<string, unknown>;
    expect(Object.keys(headers).sort()).toEqual(['1', '4']);
    expect(headers['1']).toBe(-7); // ES256
    const kid = Buffer.from(headers['4'] as Uint8Array);
    expect(kid).toHaveLength(8);

    // The signer is in the published trust list, certified by the deployment's CSCA.
    const list = await trustList();
    const dscEntry = list.find(
      (c) => c.certificateType === 'DSC' && c.kid === kid.toString('base64'),
    );
    const cscaEntry = list.find((c) => c.certificateType === 'CSCA');
    const dsc = new X509Certificate(Buffer.from(dscEntry?.rawData ?? '', 'base64'));
    const csca = new X509Certificate(Buffer.from(cscaEntry?.rawData ?? '', 'base64'));
    expect(createHash('sha256').update(dsc.raw).digest().subarray(0, 8)).toEqual(kid);
    expect(csca.ca).toBe(true);
    expect(dsc.ca).toBe(false);
    expect(dsc.checkIssued(csca)).toBe(true);
    expect(dsc.verify(csca.publicKey)).toBe(true);
    expect(dsc.keyUsage).toContain('1.3.6.1.4.1.1847.2021.1.2');
    expect(new X509Certificate(dscEntry?.pem ?? '').fingerprint256).toBe(dsc.fingerprint256);
    expect(es256Valid(sigStructure(protectedHeader, payload), dsc.publicKey, signature)).toBe(true);

    const claims = cborDecode(payload) as Record<string, unknown>;
    expect(Object.keys(claims).sort()).toEqual(['-260', '1', '4', '6']);
    expect(claims['1']).toBe('IN');
    const iat = claims['6'] as number;
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(claims['4']).toBe(iat + 365 * 86_400);
    expect(new Date(dsc.validTo).getTime() / 1000).toBeGreaterThanOrEqual(claims['4'] as number);
    expect(claims['-260']).toEqual({
      '1': {
        ver: '1.3.0',
        nam: { fn: 'Iyer', fnt: 'IYER', gn: 'Meera', gnt: 'MEERA' },
        dob: '1990',
        v: [
          {
            tg: '840539006',
            vp: 'J07BX03',
            mp: 'Covishield',
            ma: 'ORG-100001981',
            dn: 2,
            sd: 2,
            dt: '2021-09-17',
            co: 'IN',
            is: 'Teeka localhost',
            ci: `URN:UVCI:01:IN:TEEKA/${certificate.certificateId}`,
          },
        ],
      },
    });
    const pem = await t.app.inject({ url: '/.well-known/dcc/certificates.pem' });
    expect(pem.headers['content-type']).toContain('application/x-pem-file');
    expect(pem.body).toContain(dscEntry?.pem ?? 'missing');
    expect(pem.body).toContain(cscaEntry?.pem ?? 'missing');
  });

  it('round-trips through the verifier; a tampered payload fails; a revoked certificate is reported in every format', async () => {
    const { certificate, get } = await certified({ kind: 'precaution', dose: 3, totalDoses: 2 });
    const { qr_text: dcc } = await get<{ qr_text: string }>('/eu-dcc');
    expect(await verifyQr(dcc)).toEqual({
      format: 'eu-dcc',
      status: 'valid',
      reason: 'signature-valid',
      certificate: {
        certificate_id: certificate.certificateId,
        name: 'Meera Iyer',
        dose: 3,
        total_doses: 3, // a booster is n of n
        date: '2021-09-17',
        vaccine: 'COVISHIELD',
      },
    });
    const cose = cborDecode(inflateSync(base45(dcc.slice(4)))) as Tag;
    const [protectedHeader, , payload, signature] = cose.value as [Buffer, unknown, Buffer, Buffer];
    const claims = cborDecode(payload) as Record<string, Record<string, { dob: string }>>;
    const hcert = claims['-260']?.['1'];
    if (hcert) hcert.dob = '1989';
    const forged = cborEncode(
      new Tag(
        [
          protectedHeader,
          new Map(),
          cborEncode(
            new Map(
              Object.entries(claims).map(([k, v]) => [
                Number(k),
                k === '-260' ? new Map([[1, v['1']]]) : v,
              ]),
            ),
          ),
          signature,
        ],
        18,
      ),
    );
    expect(await verifyQr(`HC1:${toBase45(deflateSync(forged))}`)).toEqual({
      format: 'eu-dcc',
      status: 'invalid',
      reason: 'bad-signature',
    });

    const { qr_text: shc } = await get<{ qr_text: string }>('/smart-health-card/qr');
    await t.database.db
      .transaction()
      .execute((tx) => node.service.revokeCertificate(tx, certificate.certificateId, 'correction'));
    for (const [qr, format] of [
      [dcc, 'eu-dcc'],
      [shc, 'smart-health-card'],
      [certificate.qrText, 'w3c-vc'],
    ]) {
      expect(await verifyQr(qr ?? '')).toEqual({
        format,
        status: 'revoked',
        reason: 'revoked-by-issuer',
      });
    }
  });

  it('says expired for a DCC whose exp has passed', async () => {
    const past = certificateNode(t, masterKey, {
      clock: manualClock(new Date(Date.now() - 400 * 86_400_000)),
    });
    const { ref } = await citizenWithBeneficiary(t, nextMobile());
    const certificate = await issue(ref, {}, past);
    const dcc = await t.database.db
      .transaction()
      .execute((tx) => past.international.euDcc(tx, certificate));
    expect(await verifyQr(dcc.qrText)).toEqual({
      format: 'eu-dcc',
      status: 'invalid',
      reason: 'expired',
    });
  });
});

describe('certificates signed ahead of the verifier clock', () => {
  it('says not yet valid for an SHC and a DCC signed an hour in the future', async () => {
    const future = certificateNode(t, masterKey, {
      clock: manualClock(new Date(Date.now() + 3_600_000)),
    });
    const { ref } = await citizenWithBeneficiary(t, nextMobile());
    const certificate = await issue(ref, {}, future);
    const [shc, dcc] = await t.database.db
      .transaction()
      .execute(async (tx) => [
        await future.international.smartHealthCard(tx, certificate),
        await future.international.euDcc(tx, certificate),
      ]);
    expect(await verifyQr(shc.qrText)).toEqual({
      format: 'smart-health-card',
      status: 'invalid',
      reason: 'not-yet-valid',
    });
    expect(await verifyQr(dcc.qrText)).toEqual({
      format: 'eu-dcc',
      status: 'invalid',
      reason: 'not-yet-valid',
    });
  });
});

describe('format keys at rest', () => {
  it('stores every SHC, DCC signer and CSCA private key field-encrypted, never as PKCS#8 in the clear', async () => {
    const { get } = await certified();
    await get('/smart-health-card');
    await get('/eu-dcc');
    const rows = await t.database.db
      .selectFrom('certificate_format_keys')
      .select(['format', 'private_key', 'certificate'])
      .execute();
    expect(new Set(rows.map((r) => r.format))).toEqual(new Set(['shc', 'dcc', 'csca']));
    for (const row of rows) {
      expect(row.private_key).toMatch(/^v1\.test\.[\w-]+\.[\w-]+$/);
      // PKCS#8 DER of a P-256 key starts 30 81 87 02 01 00: base64url "MIGHAgEA".
      expect(row.private_key).not.toContain('MIGHAgEA');
      expect(row.certificate === null).toBe(row.format === 'shc');
    }
  });
});

describe('vaccine codes', () => {
  it('maps every vaccine in data/vaccines.json to ICD-11 codes, and EU value-set codes where the EU lists it', () => {
    expect(KNOWN_VACCINES).toHaveLength(7);
    for (const code of KNOWN_VACCINES) {
      const codes = vaccineCodesFor(code);
      expect(codes?.icd11.code, code).toMatch(/^XM[0-9A-Z]{4}$/);
      expect(codes?.icd11_type.code, code).toMatch(/^XM[0-9A-Z]{4}$/);
      if (codes?.eu) {
        expect(codes.eu.vp).toBe('J07BX03');
        expect(codes.eu.ma).toMatch(/^(ORG-\d{9}|[A-Za-z-]+)$/);
      }
    }
    expect(vaccineCodesFor('Covishield')?.eu).toEqual({
      vp: 'J07BX03',
      mp: 'Covishield',
      ma: 'ORG-100001981',
    });
    expect(vaccineCodesFor('covaxin')?.eu).toEqual({
      vp: 'J07BX03',
      mp: 'Covaxin',
      ma: 'Bharat-Biotech',
    });
    expect(vaccineCodesFor('iNCOVACC')?.eu).toBeNull();
    expect(vaccineCodesFor('not a vaccine')).toBeUndefined();
  });
});
