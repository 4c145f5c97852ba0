/**
 * What the trail signs and hashes, with no Node API: the server (checkpoint.ts, tree.ts)
 * and the auditor's screen in the browser build the same bytes from these.
 */
import { z } from 'zod';

import { jcs as canonicalText } from '../certificates/proof-input.js';
import type { TrailRecord } from './schemas.js';

/** RFC 8785 JSON Canonicalization Scheme, as UTF-8 bytes. */
export const jcs = (value: unknown): Uint8Array => new TextEncoder().encode(canonicalText(value));

export const CHECKPOINT_FORMAT = 'teeka-audit-checkpoint/v1';

/** The checkpoint as published and exported: everything a witness needs but the key. */
export interface CheckpointDocument {
  format: typeof CHECKPOINT_FORMAT;
  treeSize: number;
  /** MTH of the first treeSize records, hex. */
  rootHash: string;
  issuedAt: string;
  keyId: string;
  /** Ed25519 over checkpointSignedBytes(), base64url. */
  signature: string;
}

/** The signed bytes: RFC 8785 (JCS) of every field but the signature. */
export function checkpointSignedBytes(checkpoint: Omit<CheckpointDocument, 'signature'>) {
  const { format, treeSize, rootHash, issuedAt, keyId } = checkpoint;
  return jcs({ format, treeSize, rootHash, issuedAt, keyId });
}

/**
 * The canonical bytes of a record: RFC 8785 (JCS) of its columns (all but txid, which only
 * orders sequencing), `at` as UTC text with microseconds. docs/audit.md documents it.
 */
export const recordCanonicalBytes = (record: TrailRecord): Uint8Array => jcs({ v: 1, ...record });

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
