import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

import { z } from 'zod';

import type { KeyRing } from '../../crypto/keys.js';
import { jcs } from './jcs.js';
import type { StoredCheckpoint } from './store.js';

export const CHECKPOINT_FORMAT = 'teeka-audit-checkpoint/v1';

/** The derivation purpose of the audit signing key: the same key on every node. */
export const AUDIT_KEY_PURPOSE = 'audit-checkpoint';

export interface AuditKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  keyId: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };
}

export function auditKey(keys: KeyRing): AuditKey {
  const privateKey = keys.ed25519(AUDIT_KEY_PURPOSE);
  const publicKey = createPublicKey(privateKey);
  const { x } = publicKey.export({ format: 'jwk' }) as { x: string };
  // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
  const keyId = createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
  return {
    privateKey,
    publicKey,
    keyId,
    jwk: { kty: 'OKP', crv: 'Ed25519', x, kid: keyId, alg: 'EdDSA', use: 'sig' },
  };
}

/** The checkpoint as published and exported: everything a witness needs but the key. */
export interface CheckpointDocument {
  format: typeof CHECKPOINT_FORMAT;
  treeSize: number;
  /** MTH of the first treeSize records, hex. */
  rootHash: string;
  issuedAt: string;
  keyId: string;
  /** Ed25519 over signedBytes(), base64url. */
  signature: string;
}

/** The signed bytes: RFC 8785 (JCS) of every field but the signature. */
export function signedBytes(checkpoint: Omit<CheckpointDocument, 'signature'>): Buffer {
  const { format, treeSize, rootHash, issuedAt, keyId } = checkpoint;
  return jcs({ format, treeSize, rootHash, issuedAt, keyId });
}

export function signCheckpoint(
  key: AuditKey,
  treeSize: number,
  rootHash: Buffer,
  issuedAt: string,
): StoredCheckpoint {
  const body = {
    format: CHECKPOINT_FORMAT,
    treeSize,
    rootHash: rootHash.toString('hex'),
    issuedAt,
    keyId: key.keyId,
  } as const;
  return {
    treeSize,
    rootHash,
    issuedAt,
    keyId: key.keyId,
    signature: sign(null, signedBytes(body), key.privateKey),
  };
}

export function toDocument(checkpoint: StoredCheckpoint): CheckpointDocument {
  return {
    format: CHECKPOINT_FORMAT,
    treeSize: checkpoint.treeSize,
    rootHash: checkpoint.rootHash.toString('hex'),
    issuedAt: checkpoint.issuedAt,
    keyId: checkpoint.keyId,
    signature: checkpoint.signature.toString('base64url'),
  };
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const documentSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  treeSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  rootHash: z.string().regex(/^[0-9a-f]{64}$/),
  issuedAt: z.string().max(40),
  keyId: z.string().max(100),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

/** Parses an exported checkpoint; any defect is a CheckpointError naming it. */
export function parseCheckpointDocument(text: string): CheckpointDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CheckpointError('The checkpoint file is not valid JSON.');
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointError(
      `The checkpoint file is malformed: ${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return parsed.data;
}

/** Throws a CheckpointError unless the checkpoint is signed by this audit key. */
export function checkSignature(key: AuditKey, checkpoint: CheckpointDocument): void {
  if (checkpoint.keyId !== key.keyId) {
    throw new CheckpointError(
      `The checkpoint of size ${checkpoint.treeSize} names key ${checkpoint.keyId}, not this log's audit key ${key.keyId}.`,
    );
  }
  if (
    !verify(
      null,
      signedBytes(checkpoint),
      key.publicKey,
      Buffer.from(checkpoint.signature, 'base64url'),
    )
  ) {
    throw new CheckpointError(
      `The checkpoint of size ${checkpoint.treeSize} does not carry a valid signature by the audit key ${key.keyId}.`,
    );
  }
}
