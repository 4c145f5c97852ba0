import { compactVerify, errors, importJWK, importX509 } from 'jose';
import type { z } from 'zod';

import vaccineCodes from '../../../data/vaccine-codes.json';
import {
  certificateIdOfUvci,
  coseSign1Of,
  HC1_PREFIX,
  MAX_DCC_CBOR_BYTES,
  MAX_DCC_TEXT,
  sigStructure,
} from '../../../server/modules/certificates/dcc-format.js';
import { base45Decode } from '../../../server/modules/certificates/encoding.js';
import { certificateJwks, dccTrustList } from '../../../server/modules/certificates/schemas.js';
import {
  jwsOfShcText,
  MAX_SHC_PAYLOAD_BYTES,
  SHC_PREFIX,
  shcJwsParts,
  shcPayloadOf,
} from '../../../server/modules/certificates/shc-format.js';
import { api } from '../api';
import { inflateBounded } from './qr-text';
import type { SignatureCheck } from './verify';

/*
 * The SMART Health Card and EU DCC checks, in the browser with the keys the issuer publishes:
 * the same steps, in the same order, as verifyShc and verifyDcc in
 * server/modules/certificates/international.ts. Loaded only when such a text is seen, with the
 * SHC revocation lists.
 */
export { loadShcRevocations } from './shc-revocations';

/** Clock skew allowed between the signer and this device, as the server allows. */
const SKEW_S = 300;
const STORAGE_KEY = 'teeka.verifier.international';

type Jwks = z.infer<typeof certificateJwks>;
type TrustList = z.infer<typeof dccTrustList>;

export interface InternationalKeys {
  /** SMART Health Card keys (ES256) by JWK thumbprint. */
  shc: Map<string, CryptoKey>;
  /** EU DCC document signer keys by base64 kid (the first 8 bytes of SHA-256 of the certificate). */
  dcc: Map<string, CryptoKey>;
  fetchedAt: string;
  offline: boolean;
}

interface Saved {
  jwks: Jwks;
  trustList: TrustList;
  fetchedAt: string;
}

function saved(): Saved | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as { jwks?: unknown; trustList?: unknown; fetchedAt?: unknown };
    const jwks = certificateJwks.safeParse(parsed.jwks);
    const trustList = dccTrustList.safeParse(parsed.trustList);
    if (!jwks.success || !trustList.success || typeof parsed.fetchedAt !== 'string') {
      return undefined;
    }
    return { jwks: jwks.data, trustList: trustList.data, fetchedAt: parsed.fetchedAt };
  } catch {
    return undefined;
  }
}

const base64Bytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const base64OfBytes = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

async function trust({ jwks, trustList, fetchedAt }: Saved, offline: boolean) {
  const shc = new Map<string, CryptoKey>();
  for (const jwk of jwks.keys) {
    if (jwk.kty !== 'EC') continue;
    shc.set(jwk.kid, await importJWK(jwk, 'ES256'));
  }
  const dcc = new Map<string, CryptoKey>();
  for (const entry of trustList.certificates) {
    // Only document signers sign certificates; the kid must be the one the certificate itself gives.
    if (entry.certificateType !== 'DSC') continue;
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', base64Bytes(entry.rawData)),
    );
    if (base64OfBytes(digest.subarray(0, 8)) !== entry.kid) continue;
    dcc.set(entry.kid, await importX509(entry.pem, 'ES256'));
  }
  return { shc, dcc, fetchedAt, offline } satisfies InternationalKeys;
}

/** The SHC keys and the DCC trust list, saved for offline use like the domestic keys. */
export async function loadInternationalKeys(): Promise<InternationalKeys> {
  const kept = saved();
  if (kept && !navigator.onLine) return trust(kept, true);
  try {
    const [jwks, trustList] = await Promise.all([api.certificateJwks(), api.dccTrustList()]);
    const fresh: Saved = {
      jwks: certificateJwks.parse(jwks),
      trustList: dccTrustList.parse(trustList),
      fetchedAt: new Date().toISOString(),
    };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(fresh));
    return await trust(fresh, false);
  } catch (error) {
    if (kept) return trust(kept, true);
    throw error;
  }
}

/** A vaccine's name (as the domestic certificate gives it) from any of the codes the formats use. */
function vaccineName(codes: string[]): string | undefined {
  for (const [name, entry] of Object.entries(vaccineCodes.vaccines)) {
    const known = [entry.icd11.code, entry.cvx?.code, entry.eu?.mp].filter(Boolean);
    if (codes.some((code) => known.includes(code))) return name;
  }
  return undefined;
}

const nowSeconds = () => Date.now() / 1000;

/** The JWS of a SMART Health Card text: `shc:/` digits, or a `.smart-health-card` file's JSON. */
function shcJwsOf(text: string): { jws: string } | { reason: 'malformed' | 'several-cards' } {
  const trimmed = text.trim();
  if (trimmed.startsWith(SHC_PREFIX)) {
    const jws = jwsOfShcText(trimmed);
    return jws ? { jws } : { reason: 'malformed' };
  }
  try {
    const file = JSON.parse(trimmed) as { verifiableCredential?: unknown };
    const cards = file.verifiableCredential;
    if (!Array.isArray(cards) || !cards.every((c) => typeof c === 'string') || !cards.length) {
      return { reason: 'malformed' };
    }
    if (cards.length > 1) return { reason: 'several-cards' };
    return { jws: cards[0] as string };
  } catch {
    return { reason: 'malformed' };
  }
}

/** `origin` is the issuer's base URL, the SHC `iss` it must name. */
export async function checkShc(
  text: string,
  keys: InternationalKeys,
  origin: string,
): Promise<SignatureCheck> {
  const format = 'smart-health-card';
  const found = shcJwsOf(text);
  if ('reason' in found) return { ok: false, format, reason: found.reason };
  const parts = shcJwsParts(found.jws);
  if (!parts.ok) return { ok: false, format, reason: parts.reason };
  let json: Uint8Array | undefined;
  try {
    json = await inflateBounded(parts.compressed, MAX_SHC_PAYLOAD_BYTES);
  } catch {
    json = undefined; // corrupt DEFLATE
  }
  const payload = json && shcPayloadOf(json);
  if (!payload) return { ok: false, format, reason: 'malformed' };
  if (payload.iss !== origin) return { ok: false, format, reason: 'unknown-issuer' };
  const key = keys.shc.get(parts.kid);
  if (!key) return { ok: false, format, reason: 'unknown-key', verificationMethod: parts.kid };
  try {
    await compactVerify(found.jws, key, { algorithms: ['ES256'] });
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, format, reason: 'bad-signature' };
    }
    return { ok: false, format, reason: 'malformed' };
  }
  if (payload.nbf > nowSeconds() + SKEW_S) return { ok: false, format, reason: 'not-yet-valid' };
  // Every card the issuer signs names its certificate by a rid; the server refuses one without.
  const rid = payload.vc.rid;
  if (!rid) return { ok: false, format, reason: 'malformed' };
  const [patientEntry, immunizationEntry] = payload.vc.credentialSubject.fhirBundle.entry;
  const [name] = patientEntry.resource.name;
  const codes = immunizationEntry.resource.vaccineCode.coding.map((c) => c.code);
  return {
    ok: true,
    facts: {
      format,
      // The card's `rid` is the certificate id under the issuer's secret key: unreadable here,
      // but the issuer lists the rids of revoked cards under the key that signed them.
      certificateId: undefined,
      revocation: { list: 'shc', kid: parts.kid, id: rid },
      name: [...(name?.given ?? []), name?.family ?? ''].join(' ').trim(),
      birthDate: patientEntry.resource.birthDate,
      // The SHC data-minimisation profile carries no dose numbers.
      dose: undefined,
      date: immunizationEntry.resource.occurrenceDateTime,
      vaccine: vaccineName(codes) ?? codes.join(', '),
    },
  };
}

export async function checkDcc(text: string, keys: InternationalKeys): Promise<SignatureCheck> {
  const format = 'eu-dcc';
  const trimmed = text.trim();
  if (trimmed.length > MAX_DCC_TEXT) return { ok: false, format, reason: 'malformed' };
  const compressed = base45Decode(trimmed.slice(HC1_PREFIX.length));
  if (!compressed?.length) return { ok: false, format, reason: 'malformed' };
  let cbor: Uint8Array | undefined;
  try {
    cbor = await inflateBounded(compressed, MAX_DCC_CBOR_BYTES, 'deflate');
  } catch {
    cbor = undefined; // corrupt zlib
  }
  if (!cbor) return { ok: false, format, reason: 'malformed' };
  const decoded = coseSign1Of(cbor);
  if (!decoded.ok) return { ok: false, format, reason: decoded.reason };
  // Trust comes from the signer certificate the kid names: one not in the list is another issuer's.
  const key = keys.dcc.get(decoded.kid);
  if (!key) return { ok: false, format, reason: 'unknown-issuer' };
  const valid =
    decoded.signature.length === 64 &&
    (await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      decoded.signature.slice(),
      sigStructure(decoded.protectedHeader, decoded.payload).slice(),
    ));
  if (!valid) return { ok: false, format, reason: 'bad-signature' };
  const now = Math.floor(nowSeconds());
  if (decoded.exp < now) return { ok: false, format, reason: 'expired' };
  if (decoded.iat > now + SKEW_S) return { ok: false, format, reason: 'not-yet-valid' };
  const [entry] = decoded.hcert.v;
  const certificateId = entry ? certificateIdOfUvci(entry.ci) : undefined;
  if (!entry || !certificateId) return { ok: false, format, reason: 'malformed' };
  const { nam, dob } = decoded.hcert;
  return {
    ok: true,
    facts: {
      format,
      certificateId,
      // The UVCI holds the certificate id in clear (URN:UVCI:01:IN:TEEKA/<id>): the domestic list applies.
      revocation: { list: 'domestic', id: certificateId },
      name: [nam.gn, nam.fn ?? nam.fnt].filter(Boolean).join(' '),
      birthDate: dob,
      dose: { n: entry.dn, of: entry.sd },
      date: entry.dt,
      vaccine: vaccineName([entry.mp]) ?? entry.mp,
    },
  };
}

/** The base URL a did:web names (`did:web:host%3A8443` is https://host:8443): the SHC `iss` it must match. */
const originOfDid = (did: string) =>
  `https://${decodeURIComponent(did.replace(/^did:web:/, '').replaceAll(':', '/'))}`;

/** A SMART Health Card or EU DCC text, checked with the published keys; `did` is the issuer's. */
export function checkInternational(
  text: string,
  keys: InternationalKeys,
  did: string,
): Promise<SignatureCheck> {
  return text.trim().startsWith(HC1_PREFIX)
    ? checkDcc(text, keys)
    : checkShc(text, keys, originOfDid(did));
}
