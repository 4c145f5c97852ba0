import { type KeyObject, sign, verify } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

import { Tag } from 'cbor-x';

import {
  cborEncoder as encoder,
  CLAIM_EXP,
  CLAIM_HCERT,
  CLAIM_IAT,
  CLAIM_ISS,
  COSE_SIGN1_TAG,
  type CoseSign1,
  coseSign1Of,
  ES256,
  HC1_PREFIX,
  HEADER_ALG,
  HEADER_KID,
  MAX_DCC_CBOR_BYTES,
  MAX_DCC_TEXT,
  sigStructure,
  uvci,
} from './dcc-format.js';
import { type DdccVaccinationStatus, icaoTransliteration, splitName } from './ddcc.js';
import { base45Decode, base45Encode } from './encoding.js';

export { certificateIdOfUvci, HC1_PREFIX, uvci } from './dcc-format.js';

/**
 * EU Digital COVID Certificate (eHealth Network, "Electronic Health Certificate Container
 * Format" hcert 1.x; JSON schema 1.3.0): the HCERT `v` entry in a CWT (RFC 8392: iss, iat,
 * exp, claim -260 / 1), signed as COSE_Sign1 (RFC 9052, tag 18) with ES256 and the 8-byte
 * kid in the protected header, zlib-compressed, Base45, prefixed `HC1:`.
 */
export const DCC_SCHEMA_VERSION = '1.3.0';

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

export type DccDecoded =
  | (Extract<CoseSign1, { ok: true }> & {
      protectedHeader: Buffer;
      payload: Buffer;
      signature: Buffer;
    })
  | Extract<CoseSign1, { ok: false }>;

/** The COSE_Sign1 inside an `HC1:` text, checked for shape only (the signature is the caller's). */
export function decodeDcc(text: string): DccDecoded {
  const trimmed = text.trim();
  if (trimmed.length > MAX_DCC_TEXT) return { ok: false, reason: 'malformed' };
  const compressed = base45Decode(trimmed.slice(HC1_PREFIX.length));
  if (!compressed?.length) return { ok: false, reason: 'malformed' };
  let cbor: Buffer;
  try {
    cbor = inflateSync(compressed, { maxOutputLength: MAX_DCC_CBOR_BYTES });
  } catch {
    // Corrupt zlib, or a payload past the bound.
    return { ok: false, reason: 'malformed' };
  }
  const decoded = coseSign1Of(cbor);
  if (!decoded.ok) return decoded;
  return {
    ...decoded,
    protectedHeader: Buffer.from(decoded.protectedHeader),
    payload: Buffer.from(decoded.payload),
    signature: Buffer.from(decoded.signature),
  };
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
