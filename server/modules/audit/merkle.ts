import { createHash } from 'node:crypto';

import type { Range } from './merkle-proofs.js';

export { consistencyRanges, inclusionRanges, type Range, splitPoint } from './merkle-proofs.js';

/**
 * The Merkle Tree Hash of RFC 6962 §2.1 (RFC 9162 §2.1.1), its audit paths (§2.1.1 PATH)
 * and consistency proofs (§2.1.2 PROOF/SUBPROOF).
 *
 * Written here rather than taken from a library: the npm Merkle libraries either build the
 * whole tree in memory (we need proofs over millions of stored leaves) or hash differently
 * (merkletreejs duplicates or promotes odd nodes unless configured, and has no RFC 6962
 * consistency proofs). The algorithms are split in two: which subtree ranges a proof needs
 * (pure arithmetic in merkle-proofs.ts, which the browser's verifier shares), and the hashes of those ranges, each of which is a combination
 * of at most log2(n) complete subtrees that the store keeps (see `completeSubtrees`).
 */

export type Hash = Buffer;

export function leafHash(entry: Uint8Array): Hash {
  return createHash('sha256').update(Buffer.of(0)).update(entry).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

export const EMPTY_TREE_HASH: Hash = createHash('sha256').digest();

/**
 * The complete subtrees whose hashes combine into MTH(D[start:end]), for the ranges the
 * proof algorithms produce (start is a multiple of the subtree sizes involved). Each is
 * [level, index]: 2^level leaves from index * 2^level.
 */
export function completeSubtrees([start, end]: Range): [level: number, index: number][] {
  const out: [number, number][] = [];
  let from = start;
  while (from < end) {
    let size = 1;
    while (from % (size * 2) === 0 && from + size * 2 <= end) size *= 2;
    out.push([Math.log2(size), from / size]);
    from += size;
  }
  return out;
}

/** Combines the complete subtrees of a range (as `completeSubtrees` lists them) into its MTH. */
export function combineSubtrees(hashes: Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_TREE_HASH;
  // The subtrees shrink from left to right, so the tree folds from the right.
  let acc = hashes[hashes.length - 1] as Hash;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Hash, acc);
  return acc;
}

/** Every complete subtree hash of a list of leaf hashes, level by level (levels[0] = leaves). */
export function buildLevels(leaves: Hash[]): Hash[][] {
  const levels: Hash[][] = [leaves];
  for (let level = leaves; level.length > 1;) {
    const next: Hash[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(nodeHash(level[i] as Hash, level[i + 1] as Hash));
    }
    levels.push(next);
    level = next;
  }
  return levels;
}

/** MTH(D[start:end]) from levels built by `buildLevels`. */
export function rangeHashFromLevels(levels: Hash[][], range: Range): Hash {
  return combineSubtrees(
    completeSubtrees(range).map(([level, index]) => levels[level]?.[index] as Hash),
  );
}
