import canonicalizeModule from 'canonicalize';

import { base58btcDecode } from './encoding.js';

/**
 * The platform-free half of `eddsa-jcs-2022` Verify Proof (W3C Data Integrity EdDSA
 * Cryptosuites v1.0, section 3.3.2): the checks on the proof and the two canonical texts
 * whose SHA-256 hashes, joined, Ed25519 signed. The server (node:crypto, vc.ts) and the web
 * verifier (WebCrypto) each hash and verify these, so both accept exactly the same documents.
 * No Node API here: the web app imports this file.
 */
export const CRYPTOSUITE = 'eddsa-jcs-2022';

type JsonObject = Record<string, unknown>;

// canonicalize is CommonJS (module.exports = the function) with an ESM-style declaration file.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export const jcs = (value: unknown): string => {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('JCS cannot canonicalise this value');
  return text;
};

export type ProofInput =
  | {
      ok: true;
      verificationMethod: string;
      /** The 64-byte Ed25519 signature from proofValue. */
      signature: Uint8Array;
      /** JCS of the proof configuration (the proof without proofValue). */
      proofConfig: string;
      /** JCS of the document without its proof (with the proof's @context, per step 4). */
      document: string;
    }
  | { ok: false; reason: 'malformed-proof' };

/** Steps 1 to 5 of Verify Proof for a parsed document: everything but hashing and the signature check. */
export function proofInput(secured: JsonObject): ProofInput {
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
  return {
    ok: true,
    verificationMethod: proofOptions.verificationMethod,
    signature,
    proofConfig: jcs(proofOptions),
    document: jcs(unsecured),
  };
}
