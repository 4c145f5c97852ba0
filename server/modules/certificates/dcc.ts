import { type KeyObject, sign, verify } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

import { Decoder, Encoder, Tag } from 'cbor-x';
import { z } from 'zod';

import { type DdccVaccinationStatus, icaoTransliteration, splitName } from './ddcc.js';
import { base45Decode, base45Encode } from './encoding.js';

/**
 * EU Digital COVID Certificate (eHealth Network, "Electronic Health Certificate Container
 * Format" hcert 1.x; JSON schema 1.3.0): the HCERT `v` entry in a CWT (RFC 8392: iss, iat,
 * exp, claim -260 / 1), signed as COSE_Sign1 (RFC 9052, tag 18) with ES256 and the 8-byte
 * kid in the protected header, zlib-compressed, Base45, prefixed `HC1:`.
 */
export const HC1_PREFIX = 'HC1:';
const COSE_SIGN1_TAG = 18;
const HEADER_ALG = 1;
const HEADER_KID = 4;
const ES256 = -7;
const CLAIM_ISS = 1;
const CLAIM_EXP = 4;
const CLAIM_IAT = 6;
const CLAIM_HCERT = -260;
/** Larger than any DCC we issue (about 300 bytes of CBOR); bounds what a hostile QR can make us inflate. */
const MAX_CBOR_BYTES = 8_192;
/** hcert spec: a DCC QR holds at most QR version 40 of alphanumerics; anything longer is not one. */
const MAX_TEXT = 4_296;
export const DCC_SCHEMA_VERSION = '1.3.0';

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  variableMapSize: true,
  tagUint8Array: false,
});
const structureDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });

/**
 * CBOR maps as plain objects with string keys, for schema checks. Decoded as Maps first: an
 * encoder may mark maps with tag 259 (non-string keys), which a decoder then returns as a Map.
 */
function plain(value: unknown): unknown {
  if (value instanceof Map) {
    return Object.fromEntries(
      [...(value as Map<unknown, unknown>)].map(([k, v]) => [String(k), plain(v)]),
    );
  }
  return Array.isArray(value) ? value.map(plain) : value;
}

/** The unique vaccination certificate identifier (UVCI, eHN guidelines annex 2, option 1): our certificate id. */
export const uvci = (certificateId: string) => `URN:UVCI:01:IN:TEEKA/${certificateId}`;
const UVCI = /^URN:UVCI:01:IN:TEEKA\/([0-9]{1,20})$/;
export const certificateIdOfUvci = (ci: string) => UVCI.exec(ci)?.[1];

/** The HCERT payload (schema 1.3.0) of one vaccination; undefined when it cannot be expressed. */
export function hcertPayload(
  status: DdccVaccinationStatus,
  issuer: string,
): { payload: object } | { problem: 'no-eu-vaccine-code' | 'no-latin-name' } {
  const eu = status.codes.eu;
  if (!eu) return { problem: 'no-eu-vaccine-code' };
  const { given, family } = splitName(status.name);
  const fnt = icaoTransliteration(family);
  const gnt = given.length ? icaoTransliteration(given.join(' ')) : undefined;
  if (!fnt || (given.length && !gnt)) return { problem: 'no-latin-name' };
  return {
    payload: {
      ver: DCC_SCHEMA_VERSION,
      nam: { fn: family, fnt, ...(given.length ? { gn: given.join(' '), gnt } : {}) },
      dob: status.birthDate,
      v: [
        {
          tg: status.disease.snomed,
          vp: eu.vp,
          mp: eu.mp,
          ma: eu.ma,
          dn: status.dose,
          sd: status.totalDoses,
          dt: status.date,
          co: 'IN',
          is: issuer.slice(0, 80),
          ci: uvci(status.certificate.hcid),
        },
      ],
    },
  };
}

/** Sig_structure for COSE_Sign1 (RFC 9052 section 4.4): what ES256 signs. */
export const sigStructure = (protectedHeader: Buffer, payload: Buffer) =>
  encoder.encode(['Signature1', protectedHeader, Buffer.alloc(0), payload]);

export function signDcc(
  hcert: object,
  claims: { iat: number; exp: number },
  key: { kid: Buffer; privateKey: KeyObject },
): string {
  const cwt = encoder.encode(
    new Map<number, unknown>([
      [CLAIM_ISS, 'IN'],
      [CLAIM_IAT, claims.iat],
      [CLAIM_EXP, claims.exp],
      [CLAIM_HCERT, new Map([[1, hcert]])],
    ]),
  );
  const protectedHeader = encoder.encode(
    new Map<number, unknown>([
      [HEADER_ALG, ES256],
      [HEADER_KID, key.kid],
    ]),
  );
  const signature = sign('sha256', sigStructure(protectedHeader, cwt), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  const coseSign1 = encoder.encode(
    new Tag([protectedHeader, new Map(), cwt, signature], COSE_SIGN1_TAG),
  );
  return HC1_PREFIX + base45Encode(deflateSync(coseSign1, { level: 9 }));
}

const name = z.string().max(80);
export const hcertSchema = z.object({
  ver: z.string().max(10),
  nam: z.object({
    fn: name.optional(),
    fnt: z.string().regex(/^[A-Z<]{1,80}$/),
    gn: name.optional(),
    gnt: z
      .string()
      .regex(/^[A-Z<]{0,80}$/)
      .optional(),
  }),
  dob: z.string().max(10),
  v: z
    .array(
      z.object({
        tg: z.string().max(20),
        vp: z.string().max(30),
        mp: z.string().max(30),
        ma: z.string().max(50),
        dn: z.number().int().min(1).max(9),
        sd: z.number().int().min(1).max(9),
        dt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        co: z.string().max(2),
        is: z.string().max(80),
        ci: z.string().max(80),
      }),
    )
    .length(1),
});
export type Hcert = z.infer<typeof hcertSchema>;

const cwtSchema = z.object({
  [String(CLAIM_ISS)]: z.string().max(2).optional(),
  [String(CLAIM_IAT)]: z.number().int(),
  [String(CLAIM_EXP)]: z.number().int(),
  [String(CLAIM_HCERT)]: z.object({ '1': hcertSchema }),
});

export type DccDecoded =
  | {
      ok: true;
      kid: string;
      protectedHeader: Buffer;
      payload: Buffer;
      signature: Buffer;
      iat: number;
      exp: number;
      hcert: Hcert;
    }
  | { ok: false; reason: 'malformed' | 'unsupported-algorithm' };

const isBytes = (value: unknown): value is Buffer => value instanceof Uint8Array;

/** The COSE_Sign1 inside an `HC1:` text, checked for shape only (the signature is the caller's). */
export function decodeDcc(text: string): DccDecoded {
  const trimmed = text.trim();
  if (trimmed.length > MAX_TEXT) return { ok: false, reason: 'malformed' };
  const compressed = base45Decode(trimmed.slice(HC1_PREFIX.length));
  if (!compressed?.length) return { ok: false, reason: 'malformed' };
  try {
    const cbor = inflateSync(compressed, { maxOutputLength: MAX_CBOR_BYTES });
    const outer: unknown = structureDecoder.decode(cbor);
    // A COSE_Sign1 may come tagged (18) or untagged (RFC 9052 section 2); both are accepted.
    const message: unknown =
      outer instanceof Tag && outer.tag === COSE_SIGN1_TAG ? outer.value : outer;
    if (!Array.isArray(message) || message.length !== 4) return { ok: false, reason: 'malformed' };
    const [protectedHeader, unprotected, payload, signature] = message as unknown[];
    if (!isBytes(protectedHeader) || !isBytes(payload) || !isBytes(signature)) {
      return { ok: false, reason: 'malformed' };
    }
    const headers: unknown = structureDecoder.decode(protectedHeader);
    if (!(headers instanceof Map)) return { ok: false, reason: 'malformed' };
    if (headers.get(HEADER_ALG) !== ES256) return { ok: false, reason: 'unsupported-algorithm' };
    // The kid belongs in the protected header; the spec lets older signers put it unprotected.
    const kid: unknown =
      headers.get(HEADER_KID) ??
      (unprotected instanceof Map ? unprotected.get(HEADER_KID) : undefined);
    if (!isBytes(kid) || kid.length !== 8) return { ok: false, reason: 'malformed' };
    const claims = cwtSchema.safeParse(plain(structureDecoder.decode(payload)));
    if (!claims.success) return { ok: false, reason: 'malformed' };
    return {
      ok: true,
      kid: Buffer.from(kid).toString('base64'),
      protectedHeader: Buffer.from(protectedHeader),
      payload: Buffer.from(payload),
      signature: Buffer.from(signature),
      iat: claims.data[String(CLAIM_IAT)] as number,
      exp: claims.data[String(CLAIM_EXP)] as number,
      hcert: (claims.data[String(CLAIM_HCERT)] as { '1': Hcert })['1'],
    };
  } catch {
    // Corrupt zlib, a payload past the bound, or bytes that are not CBOR.
    return { ok: false, reason: 'malformed' };
  }
}

export function verifyDccSignature(
  decoded: { protectedHeader: Buffer; payload: Buffer; signature: Buffer },
  key: KeyObject,
): boolean {
  return (
    decoded.signature.length === 64 &&
    verify(
      'sha256',
      sigStructure(decoded.protectedHeader, decoded.payload),
      { key, dsaEncoding: 'ieee-p1363' },
      decoded.signature,
    )
  );
}
