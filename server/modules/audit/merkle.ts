import { createHash } from 'node:crypto';

/**
 * The Merkle Tree Hash of RFC 6962 §2.1 (RFC 9162 §2.1.1), its audit paths (§2.1.1 PATH)
 * and consistency proofs (§2.1.2 PROOF/SUBPROOF).
 *
 * Written here rather than taken from a library: the npm Merkle libraries either build the
 * whole tree in memory (we need proofs over millions of stored leaves) or hash differently
 * (merkletreejs duplicates or promotes odd nodes unless configured, and has no RFC 6962
 * consistency proofs). The algorithms are split in two: which subtree ranges a proof needs
 * (pure arithmetic, below), and the hashes of those ranges, each of which is a combination
 * of at most log2(n) complete subtrees that the store keeps (see `completeSubtrees`).
 */

export type Hash = Buffer;

/** A range of leaves [start, end): its hash is MTH(D[start:end]). */
export type Range = readonly [start: number, end: number];

export function leafHash(entry: Uint8Array): Hash {
  return createHash('sha256').update(Buffer.of(0)).update(entry).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

export const EMPTY_TREE_HASH: Hash = createHash('sha256').digest();

/** The largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The ranges whose hashes form PATH(m, D[n]), in the RFC's order (leaf side first). */
export function inclusionRanges(m: number, n: number): Range[] {
  const out: Range[] = [];
  let [start, end, index] = [0, n, m];
  const trail: Range[] = [];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < k) {
      trail.push([start + k, end]);
      end = start + k;
    } else {
      trail.push([start, start + k]);
      start += k;
      index -= k;
    }
  }
  // PATH appends the sibling of the larger subtree after the path inside the smaller one.
  for (let i = trail.length - 1; i >= 0; i--) out.push(trail[i] as Range);
  return out;
}

/** The ranges whose hashes form PROOF(m, D[n]) = SUBPROOF(m, D[n], true), 0 < m <= n. */
export function consistencyRanges(m: number, n: number): Range[] {
  const trail: Range[] = [];
  let [start, end, size, whole] = [0, n, m, true];
  for (;;) {
    if (size === end - start) {
      if (!whole) trail.push([start, end]);
      break;
    }
    const k = splitPoint(end - start);
    if (size <= k) {
      trail.push([start + k, end]);
      end = start + k;
    } else {
      trail.push([start, start + k]);
      start += k;
      size -= k;
      whole = false;
    }
  }
  // The recursion appends each level's hash after the deeper proof: reverse the walk, except
  // that the terminal MTH(D[m]) (pushed last) comes first, which reversing also gives.
  return trail.reverse();
}

/**
 * The complete subtrees whose hashes combine into MTH(D[start:end]), for the ranges the
 * algorithms above produce (start is a multiple of the subtree sizes involved). Each is
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
