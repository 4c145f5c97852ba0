import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  rfcLeafHash,
  rfcTreeHash,
  rfcVerifyConsistency,
  rfcVerifyInclusion,
} from '../../../test/helpers/rfc9162.js';
import {
  buildLevels,
  consistencyRanges,
  EMPTY_TREE_HASH,
  inclusionRanges,
  leafHash,
  rangeHashFromLevels,
} from './merkle.js';

const leaves = (n: number) =>
  Array.from({ length: n }, (_, i) => rfcLeafHash(Buffer.from(`entry ${i}`)));

describe('RFC 6962 tree math, checked by an independent RFC 9162 verifier', () => {
  it('hashes leaves and the empty tree as the RFC defines', () => {
    expect(leafHash(Buffer.from('x'))).toEqual(rfcLeafHash(Buffer.from('x')));
    expect(EMPTY_TREE_HASH).toEqual(createHash('sha256').digest());
    // MTH({}) is the SHA-256 of the empty string (RFC 6962 §2.1).
    expect(EMPTY_TREE_HASH.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('computes MTH for every size from 0 to 130', () => {
    const all = leaves(130);
    const levels = buildLevels(all);
    for (let n = 0; n <= 130; n++) {
      expect(rangeHashFromLevels(levels, [0, n])).toEqual(rfcTreeHash(all.slice(0, n)));
    }
  });

  it('produces inclusion proofs that verify for every leaf of every tree size up to 70, and fail when tampered', () => {
    const all = leaves(70);
    const levels = buildLevels(all);
    for (let n = 1; n <= 70; n++) {
      const root = rfcTreeHash(all.slice(0, n));
      for (let m = 0; m < n; m++) {
        const path = inclusionRanges(m, n).map((range) => rangeHashFromLevels(levels, range));
        expect(rfcVerifyInclusion(m, n, all[m] as Buffer, path, root)).toBe(true);
        if (path.length > 0) {
          const bad = path.map((p, i) => (i === 0 ? Buffer.from(p).fill(7, 0, 1) : p));
          expect(rfcVerifyInclusion(m, n, all[m] as Buffer, bad, root)).toBe(false);
        }
        expect(rfcVerifyInclusion(m, n, all[(m + 1) % n] as Buffer, path, root)).toBe(n === 1);
      }
    }
  });

  it('produces consistency proofs that verify for every pair of sizes up to 70, and fail against another root', () => {
    const all = leaves(70);
    const levels = buildLevels(all);
    for (let n = 1; n <= 70; n++) {
      const second = rfcTreeHash(all.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const first = rfcTreeHash(all.slice(0, m));
        const proof = consistencyRanges(m, n).map((range) => rangeHashFromLevels(levels, range));
        expect(rfcVerifyConsistency(m, n, first, second, proof)).toBe(true);
        if (m < n) {
          const other = rfcTreeHash([...all.slice(0, m - 1), rfcLeafHash(Buffer.from('forged'))]);
          expect(rfcVerifyConsistency(m, n, other, second, proof)).toBe(false);
        }
      }
    }
  });

  it('matches the proof sizes of the RFC 6962 example tree of 7 leaves', () => {
    // RFC 6962 §2.1.3: the audit path for d0 is [b, h, l]; PROOF(3, D[7]) is [c, d, g, l].
    expect(inclusionRanges(0, 7)).toEqual([
      [1, 2],
      [2, 4],
      [4, 7],
    ]);
    expect(consistencyRanges(3, 7)).toEqual([
      [2, 3],
      [3, 4],
      [0, 2],
      [4, 7],
    ]);
    expect(consistencyRanges(4, 7)).toEqual([[4, 7]]);
    expect(consistencyRanges(6, 7)).toEqual([
      [4, 6],
      [6, 7],
      [0, 4],
    ]);
  });
});
