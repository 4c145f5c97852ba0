import { type KeyObject, sign, verify } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

import { z } from 'zod';

import { type DdccVaccinationStatus, splitName } from './ddcc.js';

/**
 * SMART Health Cards (framework spec 1.x, https://spec.smarthealth.cards): a FHIR R4 bundle
 * (Patient + Immunization, data-minimised as the SHC vaccination IG asks) in a JWT-like
 * payload, DEFLATE-compressed, signed as a compact JWS with ES256, `kid` = the JWK thumbprint;
 * in a QR code as `shc:/` + two digits per JWS character (numeric mode).
 */
export const SHC_PREFIX = 'shc:/';
/** The largest JWS a single QR code (version 22, error correction L) holds; chunking is deprecated. */
export const MAX_SINGLE_QR_JWS = 1_195;
/** Larger than any payload we issue; bounds what a hostile JWS can make us inflate. */
const MAX_PAYLOAD_BYTES = 16_384;
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

const base64urlPart = /^[A-Za-z0-9_-]+$/;
const shcHeader = z.object({
  alg: z.string(),
  zip: z.string().optional(),
  kid: z.string().max(100),
});

export const shcCredential = z.object({
  iss: z.string().max(300),
  nbf: z.number(),
  vc: z.object({
    type: z.array(z.string()).min(1),
    rid: z.string().max(24).optional(),
    credentialSubject: z.object({
      fhirVersion: z.string(),
      fhirBundle: z.object({
        resourceType: z.literal('Bundle'),
        entry: z.tuple([
          z.object({
            resource: z.object({
              resourceType: z.literal('Patient'),
              name: z
                .array(
                  z.object({
                    family: z.string().max(100),
                    given: z.array(z.string().max(100)).optional(),
                  }),
                )
                .min(1),
              birthDate: z.string().max(10),
            }),
          }),
          z.object({
            resource: z.object({
              resourceType: z.literal('Immunization'),
              status: z.literal('completed'),
              vaccineCode: z.object({
                coding: z.array(z.object({ system: z.string(), code: z.string() })).min(1),
              }),
              occurrenceDateTime: z.string().max(40),
            }),
          }),
        ]),
      }),
    }),
  }),
});

export type ShcCredential = z.infer<typeof shcCredential>;

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
  const digits = text.trim().slice(SHC_PREFIX.length);
  const evenDigits = digits.length > 0 && digits.length % 2 === 0 && /^[0-9]+$/.test(digits);
  if (!evenDigits || digits.length > 2 * MAX_SINGLE_QR_JWS) {
    return { ok: false, reason: 'malformed' };
  }
  let jws = '';
  for (let i = 0; i < digits.length; i += 2) {
    const value = Number(digits.slice(i, i + 2));
    if (value > 77) return { ok: false, reason: 'malformed' }; // beyond 'z'
    jws += String.fromCharCode(value + 45);
  }
  const [header, body, signature, ...rest] = jws.split('.');
  if (
    !header ||
    !body ||
    !signature ||
    rest.length ||
    ![header, body, signature].every((p) => base64urlPart.test(p))
  ) {
    return { ok: false, reason: 'malformed' };
  }
  try {
    const parsedHeader = shcHeader.safeParse(
      JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    );
    if (!parsedHeader.success) return { ok: false, reason: 'malformed' };
    if (parsedHeader.data.alg !== 'ES256') return { ok: false, reason: 'unsupported-algorithm' };
    if (parsedHeader.data.zip !== 'DEF') return { ok: false, reason: 'unsupported-compression' };
    const json = inflateRawSync(Buffer.from(body, 'base64url'), {
      maxOutputLength: MAX_PAYLOAD_BYTES,
    });
    const payload = shcCredential.safeParse(JSON.parse(json.toString('utf8')));
    if (!payload.success) return { ok: false, reason: 'malformed' };
    return {
      ok: true,
      kid: parsedHeader.data.kid,
      signingInput: Buffer.from(`${header}.${body}`),
      signature: Buffer.from(signature, 'base64url'),
      payload: payload.data,
    };
  } catch {
    // Not JSON, corrupt DEFLATE, or a payload that inflates past the bound.
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
