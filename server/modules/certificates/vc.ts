import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

import canonicalizeModule from 'canonicalize';

import { base58btcDecode, base58btcEncode } from './encoding.js';

/**
 * Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C Data Integrity EdDSA
 * Cryptosuites v1.0, section 3.3): the document and the proof options are canonicalised
 * with JCS (RFC 8785), each hashed with SHA-256, and Ed25519 signs
 * hash(proof config) || hash(document). No JSON-LD processing happens, so signing costs a
 * JCS pass, two hashes and one signature, and a verifier needs only the issuer's key.
 */
const CRYPTOSUITE = 'eddsa-jcs-2022';

export interface DataIntegrityProof {
  '@context'?: unknown;
  type: 'DataIntegrityProof';
  cryptosuite: typeof CRYPTOSUITE;
  created: string;
  verificationMethod: string;
  proofPurpose: 'assertionMethod';
  proofValue: string;
}

type JsonObject = Record<string, unknown>;

// canonicalize is CommonJS (module.exports = the function) with an ESM-style declaration file.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

const jcs = (value: unknown): string => {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('JCS cannot canonicalise this value');
  return text;
};
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** hashData of the spec's Hashing algorithm (3.3.4), from the proof configuration and document. */
function hashData(proofConfig: JsonObject, unsecured: JsonObject): Buffer {
  return Buffer.concat([sha256(jcs(proofConfig)), sha256(jcs(unsecured))]);
}

/** Add Proof (3.3.1): returns the document with `proof` attached. */
export function addProof<T extends JsonObject>(
  unsecured: T,
  options: { verificationMethod: string; created: string; privateKey: KeyObject },
): T & { proof: DataIntegrityProof } {
  // Proof Configuration (3.3.5): the proof options with the document's @context.
  const proofConfig = {
    type: 'DataIntegrityProof' as const,
    cryptosuite: CRYPTOSUITE as typeof CRYPTOSUITE,
    created: options.created,
    verificationMethod: options.verificationMethod,
    proofPurpose: 'assertionMethod' as const,
    '@context': unsecured['@context'],
  };
  const signature = sign(null, hashData(proofConfig, unsecured), options.privateKey);
  return { ...unsecured, proof: { ...proofConfig, proofValue: `z${base58btcEncode(signature)}` } };
}

export type ProofCheck =
  | { ok: true; verificationMethod: string }
  | { ok: false; reason: 'malformed-proof' | 'unknown-key' | 'bad-signature' };

/**
 * Verify Proof (3.3.2) for a parsed document, with the public key its proof's
 * verificationMethod names (undefined when the issuer never published that key).
 */
export function verifyProof(secured: JsonObject, key: KeyObject | undefined): ProofCheck {
  const { proof, ...unsecured } = secured;
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof)) {
    return { ok: false, reason: 'malformed-proof' };
  }
  const { proofValue, ...proofOptions } = proof as JsonObject;
  if (
    proofOptions.type !== 'DataIntegrityProof' ||
    proofOptions.cryptosuite !== CRYPTOSUITE ||
    proofOptions.proofPurpose !== 'assertionMethod' ||
    typeof proofOptions.verificationMethod !== 'string' ||
    typeof proofValue !== 'string' ||
    !proofValue.startsWith('z')
  ) {
    return { ok: false, reason: 'malformed-proof' };
  }
  // The proof's @context must be a prefix of the document's (3.3.2 step 4).
  if (proofOptions['@context'] !== undefined) {
    const proofContext = [proofOptions['@context']].flat();
    const documentContext = [unsecured['@context']].flat();
    const isPrefix = proofContext.every(
      (entry, i) => documentContext[i] !== undefined && jcs(entry) === jcs(documentContext[i]),
    );
    if (!isPrefix) {
      return { ok: false, reason: 'malformed-proof' };
    }
    unsecured['@context'] = proofOptions['@context'];
  }
  const signature = base58btcDecode(proofValue.slice(1));
  if (signature?.length !== 64) return { ok: false, reason: 'malformed-proof' };
  if (!key) return { ok: false, reason: 'unknown-key' };
  const valid = verify(null, hashData(proofOptions, unsecured), key, signature);
  return valid
    ? { ok: true, verificationMethod: proofOptions.verificationMethod }
    : { ok: false, reason: 'bad-signature' };
}

/** Multikey encoding of an Ed25519 public key: multicodec 0xed01, base58-btc, prefix `z`. */
export function publicKeyMultibase(rawPublicKey: Buffer): string {
  return `z${base58btcEncode(Buffer.concat([Buffer.from([0xed, 0x01]), rawPublicKey]))}`;
}

export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}
