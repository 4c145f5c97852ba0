import { type KeyObject, sign, verify } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

import { type DdccVaccinationStatus, splitName } from './ddcc.js';
import {
  jwsOfShcText,
  MAX_SHC_PAYLOAD_BYTES,
  SHC_PREFIX,
  type ShcCredential,
  shcJwsParts,
  shcPayloadOf,
} from './shc-format.js';

export { MAX_SINGLE_QR_JWS, SHC_PREFIX } from './shc-format.js';

/**
 * SMART Health Cards (framework spec 1.x, https://spec.smarthealth.cards): a FHIR R4 bundle
 * (Patient + Immunization, data-minimised as the SHC vaccination IG asks) in a JWT-like
 * payload, DEFLATE-compressed, signed as a compact JWS with ES256, `kid` = the JWK thumbprint;
 * in a QR code as `shc:/` + two digits per JWS character (numeric mode).
 */
const ICD11 = 'http://id.who.int/icd/release/11/mms';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const HEALTH_CARD_TYPES = [
  'https://smarthealth.cards#health-card',
  'https://smarthealth.cards#immunization',
  'https://smarthealth.cards#covid19',
];

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** The JWS payload: `iss`, `nbf` (seconds), `vc` with the FHIR bundle. */
export function shcPayload(
  status: DdccVaccinationStatus,
  options: { iss: string; nbf: number; rid?: string },
) {
  const { given, family } = splitName(status.name);
  const coding = [
    ...(status.codes.cvx ? [{ system: CVX, code: status.codes.cvx.code }] : []),
    { system: ICD11, code: status.brand.code },
  ];
  return {
    iss: options.iss,
    nbf: options.nbf,
    vc: {
      type: HEALTH_CARD_TYPES,
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
                name: [given.length ? { family, given } : { family }],
                birthDate: status.birthDate,
              },
            },
            {
              fullUrl: 'resource:1',
              resource: {
                resourceType: 'Immunization',
                status: 'completed',
                vaccineCode: { coding },
                patient: { reference: 'resource:0' },
                occurrenceDateTime: status.date,
                performer: [{ actor: { display: status.centre } }],
                lotNumber: status.lot,
              },
            },
          ],
        },
      },
      ...(options.rid ? { rid: options.rid } : {}),
    },
  };
}

/** Compact JWS: header `{alg:"ES256",zip:"DEF",kid}`, payload raw-DEFLATEd, signature r||s. */
export function signShc(payload: object, key: { kid: string; privateKey: KeyObject }): string {
  const header = base64url(JSON.stringify({ zip: 'DEF', alg: 'ES256', kid: key.kid }));
  const body = base64url(deflateRawSync(JSON.stringify(payload), { level: 9 }));
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${header}.${body}.${base64url(signature)}`;
}

/** `shc:/` then each character as two digits, its code minus 45 (SHC spec, "Encoding Chunks as QR codes"). */
export function shcQrText(jws: string): string {
  return (
    SHC_PREFIX + Array.from(jws, (c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('')
  );
}

export type ShcDecoded =
  | {
      ok: true;
      kid: string;
      signingInput: Buffer;
      signature: Buffer;
      payload: ShcCredential;
    }
  | { ok: false; reason: 'malformed' | 'unsupported-compression' | 'unsupported-algorithm' };

/** The JWS inside an `shc:/` QR text, checked for shape only (the signature is the caller's). */
export function decodeShc(text: string): ShcDecoded {
  const jws = jwsOfShcText(text);
  if (!jws) return { ok: false, reason: 'malformed' };
  const parts = shcJwsParts(jws);
  if (!parts.ok) return parts;
  try {
    const payload = shcPayloadOf(
      inflateRawSync(parts.compressed, { maxOutputLength: MAX_SHC_PAYLOAD_BYTES }),
    );
    if (!payload) return { ok: false, reason: 'malformed' };
    return {
      ok: true,
      kid: parts.kid,
      signingInput: Buffer.from(parts.signingInput),
      signature: Buffer.from(parts.signature),
      payload,
    };
  } catch {
    // Corrupt DEFLATE, or a payload that inflates past the bound.
    return { ok: false, reason: 'malformed' };
  }
}

export function verifyShcSignature(
  decoded: { signingInput: Buffer; signature: Buffer },
  key: KeyObject,
) {
  return (
    decoded.signature.length === 64 &&
    verify('sha256', decoded.signingInput, { key, dsaEncoding: 'ieee-p1363' }, decoded.signature)
  );
}
