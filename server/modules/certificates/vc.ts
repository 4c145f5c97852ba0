import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

import { base58btcEncode } from './encoding.js';
import { CRYPTOSUITE, jcs, proofInput } from './proof-input.js';

/**
 * Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C Data Integrity EdDSA
 * Cryptosuites v1.0, section 3.3): the document and the proof options are canonicalised
 * with JCS (RFC 8785), each hashed with SHA-256, and Ed25519 signs
 * hash(proof config) || hash(document). No JSON-LD processing happens, so signing costs a
 * JCS pass, two hashes and one signature, and a verifier needs only the issuer's key.
 */
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
  const input = proofInput(secured);
  if (!input.ok) return input;
  if (!key) return { ok: false, reason: 'unknown-key' };
  const hashed = Buffer.concat([sha256(input.proofConfig), sha256(input.document)]);
  return verify(null, hashed, key, input.signature)
    ? { ok: true, verificationMethod: input.verificationMethod }
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
