/**
 * What an EU DCC carries and how its COSE_Sign1 is read, with no Node API: the server's
 * verifier (dcc.ts) and the web verifier parse with these, each inflating with its own zlib.
 */
import { Decoder, Encoder, Tag } from 'cbor-x';
import { z } from 'zod';

export { HC1_PREFIX } from './qr-format.js';

export const COSE_SIGN1_TAG = 18;
export const HEADER_ALG = 1;
export const HEADER_KID = 4;
export const ES256 = -7;
export const CLAIM_ISS = 1;
export const CLAIM_EXP = 4;
export const CLAIM_IAT = 6;
export const CLAIM_HCERT = -260;
/** Larger than any DCC we issue (about 300 bytes of CBOR); bounds what a hostile QR can make a verifier inflate. */
export const MAX_DCC_CBOR_BYTES = 8_192;
/** hcert spec: a DCC QR holds at most QR version 40 of alphanumerics; anything longer is not one. */
export const MAX_DCC_TEXT = 4_296;

export const cborEncoder = new Encoder({
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

/** Sig_structure for COSE_Sign1 (RFC 9052 section 4.4): what ES256 signs. */
export const sigStructure = (protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array =>
  cborEncoder.encode(['Signature1', protectedHeader, new Uint8Array(0), payload]);

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

export type CoseSign1 =
  | {
      ok: true;
      /** base64 of the 8-byte kid, as trust lists give it. */
      kid: string;
      protectedHeader: Uint8Array;
      payload: Uint8Array;
      signature: Uint8Array;
      iat: number;
      exp: number;
      hcert: Hcert;
    }
  | { ok: false; reason: 'malformed' | 'unsupported-algorithm' };

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** The COSE_Sign1 in the inflated CBOR of an `HC1:` text, checked for shape only (the signature is the caller's). */
export function coseSign1Of(cbor: Uint8Array): CoseSign1 {
  try {
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
      kid: base64(kid),
      protectedHeader,
      payload,
      signature,
      iat: claims.data[String(CLAIM_IAT)] as number,
      exp: claims.data[String(CLAIM_EXP)] as number,
      hcert: (claims.data[String(CLAIM_HCERT)] as { '1': Hcert })['1'],
    };
  } catch {
    // Bytes that are not CBOR.
    return { ok: false, reason: 'malformed' };
  }
}
