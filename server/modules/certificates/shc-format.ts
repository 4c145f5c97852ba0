/**
 * What a SMART Health Card carries and how its text is read, with no Node API: the server's
 * verifier (shc.ts) and the web verifier parse with these, each inflating with its own zlib.
 */
import { base64url } from 'jose';
import { z } from 'zod';

import { SHC_PREFIX } from './qr-format.js';

export { SHC_PREFIX } from './qr-format.js';

/** The largest JWS a single QR code (version 22, error correction L) holds; chunking is deprecated. */
export const MAX_SINGLE_QR_JWS = 1_195;
/** Larger than any payload we issue; bounds what a hostile JWS can make a verifier inflate. */
export const MAX_SHC_PAYLOAD_BYTES = 16_384;

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

/** The compact JWS of an `shc:/` text (two digits a character, each its code minus 45); undefined if it is not one. */
export function jwsOfShcText(text: string): string | undefined {
  const digits = text.trim().slice(SHC_PREFIX.length);
  const evenDigits = digits.length > 0 && digits.length % 2 === 0 && /^[0-9]+$/.test(digits);
  if (!evenDigits || digits.length > 2 * MAX_SINGLE_QR_JWS) return undefined;
  let jws = '';
  for (let i = 0; i < digits.length; i += 2) {
    const value = Number(digits.slice(i, i + 2));
    if (value > 77) return undefined; // beyond 'z'
    jws += String.fromCharCode(value + 45);
  }
  return jws;
}

export type ShcJwsParts =
  | {
      ok: true;
      kid: string;
      /** The payload as signed: raw DEFLATE of the JSON, for the caller to inflate (bounded). */
      compressed: Uint8Array;
      signingInput: Uint8Array;
      signature: Uint8Array;
    }
  | { ok: false; reason: 'malformed' | 'unsupported-compression' | 'unsupported-algorithm' };

/** A compact JWS split and its header checked: ES256 and `zip: "DEF"` only, as the SHC spec requires. */
export function shcJwsParts(jws: string): ShcJwsParts {
  if (jws.length > MAX_SINGLE_QR_JWS) return { ok: false, reason: 'malformed' };
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
      JSON.parse(new TextDecoder().decode(base64url.decode(header))),
    );
    if (!parsedHeader.success) return { ok: false, reason: 'malformed' };
    if (parsedHeader.data.alg !== 'ES256') return { ok: false, reason: 'unsupported-algorithm' };
    if (parsedHeader.data.zip !== 'DEF') return { ok: false, reason: 'unsupported-compression' };
    return {
      ok: true,
      kid: parsedHeader.data.kid,
      compressed: base64url.decode(body),
      signingInput: new TextEncoder().encode(`${header}.${body}`),
      signature: base64url.decode(signature),
    };
  } catch {
    // A header that is not base64url JSON.
    return { ok: false, reason: 'malformed' };
  }
}

/** The card's payload from its inflated JSON bytes; undefined for anything but the shape we issue. */
export function shcPayloadOf(json: Uint8Array): ShcCredential | undefined {
  try {
    const payload = shcCredential.safeParse(JSON.parse(new TextDecoder().decode(json)));
    return payload.success ? payload.data : undefined;
  } catch {
    return undefined;
  }
}
