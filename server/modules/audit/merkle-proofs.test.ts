import { describe, expect, it } from 'vitest';

import { rfcLeafHash, rfcTreeHash } from '../../../test/helpers/rfc9162.js';
import { buildLevels, rangeHashFromLevels } from './merkle.js';
import {
  consistencyRanges,
  hexToBytes,
  inclusionRanges,
  leafHashOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle-proofs.js';

// WebCrypto, as the browser's verifier hashes.
const sha256 = async (data: Uint8Array) =>
  new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));

const all = Array.from({ length: 40 }, (_, i) => rfcLeafHash(Buffer.from(`entry ${i}`)));
const levels = buildLevels(all);
const flipped = (hashes: Uint8Array[], at: number) =>
  hashes.map((hash, i) => (i === at ? hash.map((b, j) => (j === 0 ? b ^ 1 : b)) : hash));

describe('verifying RFC 6962 proofs with WebCrypto, as the auditor screen does', () => {
  it('hashes a leaf as the RFC defines', async () => {
    expect(Buffer.from(await leafHashOf(sha256, Buffer.from('x')))).toEqual(
      rfcLeafHash(Buffer.from('x')),
    );
  });

  it('accepts every inclusion proof up to 40 leaves, and refuses each tampered one', async () => {
    for (let n = 1; n <= 40; n++) {
      const root = rfcTreeHash(all.slice(0, n));
      for (let m = 0; m < n; m++) {
        const path = inclusionRanges(m, n).map((range) => rangeHashFromLevels(levels, range));
        const proof = { leafIndex: m, treeSize: n, leafHash: all[m] as Buffer, path };
        expect(await verifyInclusion(sha256, proof, root)).toBe(true);
        for (let i = 0; i < path.length; i++) {
          expect(await verifyInclusion(sha256, { ...proof, path: flipped(path, i) }, root)).toBe(
            false,
          );
        }
        expect(await verifyInclusion(sha256, { ...proof, leafIndex: m + n }, root)).toBe(false);
        expect(await verifyInclusion(sha256, { ...proof, path: [...path, root] }, root)).toBe(
          false,
        );
        if (n > 1) {
          const other = { ...proof, leafHash: all[(m + 1) % n] as Buffer };
          expect(await verifyInclusion(sha256, other, root)).toBe(false);
        }
      }
    }
  });

  it('accepts every consistency proof up to 40 leaves, and refuses each tampered one', async () => {
    for (let n = 1; n <= 40; n++) {
      const toRoot = rfcTreeHash(all.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const fromRoot = rfcTreeHash(all.slice(0, m));
        const proof = consistencyRanges(m, n).map((range) => rangeHashFromLevels(levels, range));
        const sizes = { from: m, to: n };
        expect(await verifyConsistency(sha256, { ...sizes, proof }, fromRoot, toRoot)).toBe(true);
        for (let i = 0; i < proof.length; i++) {
          const tampered = { ...sizes, proof: flipped(proof, i) };
          expect(await verifyConsistency(sha256, tampered, fromRoot, toRoot)).toBe(false);
        }
        if (m < n) {
          const forged = rfcTreeHash([...all.slice(0, m - 1), rfcLeafHash(Buffer.from('forged'))]);
          expect(await verifyConsistency(sha256, { ...sizes, proof }, forged, toRoot)).toBe(false);
          expect(await verifyConsistency(sha256, { ...sizes, proof }, fromRoot, forged)).toBe(
            false,
          );
          expect(
            await verifyConsistency(
              sha256,
              { from: m, to: n, proof: proof.slice(1) },
              fromRoot,
              toRoot,
            ),
          ).toBe(false);
        }
      }
    }
  });

  it('reads hex strictly', () => {
    expect(hexToBytes('00ff10')).toEqual(Uint8Array.of(0, 255, 16));
    expect(hexToBytes('0')).toBeUndefined();
    expect(hexToBytes('zz')).toBeUndefined();
    expect(hexToBytes('AB')).toBeUndefined();
  });
});
