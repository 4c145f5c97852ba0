import { base64url } from 'jose';

import {
  hexToBytes,
  leafHashOf,
  sameBytes,
  verifyConsistency,
  verifyInclusion,
} from '../../../../server/modules/audit/merkle-proofs.js';
import type { TrailRecord } from '../../../../server/modules/audit/schemas.js';
import {
  type CheckpointDocument,
  checkpointSignedBytes,
  parseCheckpointDocument,
  recordCanonicalBytes,
} from '../../../../server/modules/audit/trail-format.js';
import { ApiError } from '../../api';
import { auditApi, type AuditJwks } from './api';

/*
 * The auditor's checks, run in this browser with WebCrypto: the server only hands over
 * proofs, and every hash and signature is recomputed here (RFC 6962 §2.1, docs/audit.md).
 */

/** A check's outcome; a failure names its reason as a key under audit.reasons. */
export type Check =
  | { ok: true; note: string; values?: Record<string, string | number> }
  | { ok: false; reason: string; values?: Record<string, string | number> };

const sha256 = async (data: Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));

const hex = (text: string) => hexToBytes(text) ?? new Uint8Array();

export async function checkSignature(
  checkpoint: CheckpointDocument,
  jwks: AuditJwks,
): Promise<Check> {
  const values = { keyId: checkpoint.keyId, size: checkpoint.treeSize };
  const jwk = jwks.keys.find((key) => key.kid === checkpoint.keyId);
  if (!jwk) return { ok: false, reason: 'unknownKey', values };
  const key = await crypto.subtle.importKey(
    'jwk',
    { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
    { name: 'Ed25519' },
    false,
    ['verify'],
  );
  const valid = await crypto.subtle.verify(
    { name: 'Ed25519' },
    key,
    base64url.decode(checkpoint.signature) as Uint8Array<ArrayBuffer>,
    checkpointSignedBytes(checkpoint) as Uint8Array<ArrayBuffer>,
  );
  return valid
    ? { ok: true, note: 'signed', values }
    : { ok: false, reason: 'badSignature', values };
}

/** Whether the latest checkpoint extends the earlier one: nothing changed, removed or reordered. */
export async function checkConsistency(
  earlier: CheckpointDocument,
  latest: CheckpointDocument,
  jwks: AuditJwks,
): Promise<Check> {
  const values = { from: earlier.treeSize, to: latest.treeSize };
  const signed = await checkSignature(earlier, jwks);
  if (!signed.ok) return { ok: false, reason: 'earlierBadSignature', values };
  if (earlier.treeSize > latest.treeSize) return { ok: false, reason: 'shrank', values };
  if (earlier.treeSize === latest.treeSize) {
    return earlier.rootHash === latest.rootHash
      ? { ok: true, note: 'sameAsEarlier', values }
      : { ok: false, reason: 'forked', values };
  }
  const { proof } = await auditApi.consistencyProof(earlier.treeSize, latest.treeSize);
  const consistent = await verifyConsistency(
    sha256,
    { from: earlier.treeSize, to: latest.treeSize, proof: proof.map(hex) },
    hex(earlier.rootHash),
    hex(latest.rootHash),
  );
  return consistent
    ? { ok: true, note: 'consistent', values }
    : { ok: false, reason: 'badConsistency', values };
}

/** Whether this record, exactly as shown, is in the tree the latest checkpoint signs. */
export async function checkRecord(record: TrailRecord, latest: CheckpointDocument): Promise<Check> {
  const values = { id: record.id, size: latest.treeSize };
  let proof;
  try {
    proof = await auditApi.inclusionProof(record.id, latest.treeSize);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
      return { ok: false, reason: 'notInCheckpoint', values };
    }
    throw error;
  }
  const leafHash = await leafHashOf(sha256, recordCanonicalBytes(record));
  if (!sameBytes(leafHash, hex(proof.leafHash))) {
    return { ok: false, reason: 'recordChanged', values };
  }
  const included = await verifyInclusion(
    sha256,
    { leafIndex: proof.leafIndex, treeSize: latest.treeSize, leafHash, path: proof.path.map(hex) },
    hex(latest.rootHash),
  );
  return included
    ? { ok: true, note: 'included', values }
    : { ok: false, reason: 'badInclusion', values };
}

const REMEMBERED = 'teeka.auditor.checkpoint';

/** The last checkpoint this device verified, the start of the next consistency check. */
export const rememberedCheckpoint = {
  get(): CheckpointDocument | undefined {
    const text = localStorage.getItem(REMEMBERED);
    if (!text) return undefined;
    try {
      return parseCheckpointDocument(text);
    } catch {
      return undefined;
    }
  },
  set(checkpoint: CheckpointDocument) {
    localStorage.setItem(REMEMBERED, JSON.stringify(checkpoint));
  },
};
