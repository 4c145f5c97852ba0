import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

import type { KeyRing } from '../../crypto/keys.js';
import type { StoredCheckpoint } from './store.js';
import {
  CHECKPOINT_FORMAT,
  type CheckpointDocument,
  CheckpointError,
  checkpointSignedBytes,
} from './trail-format.js';

export {
  CHECKPOINT_FORMAT,
  type CheckpointDocument,
  CheckpointError,
  parseCheckpointDocument,
} from './trail-format.js';

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

/** The signed bytes (RFC 8785 of every field but the signature), as a Buffer. */
export const signedBytes = (checkpoint: Omit<CheckpointDocument, 'signature'>): Buffer =>
  Buffer.from(checkpointSignedBytes(checkpoint));

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
