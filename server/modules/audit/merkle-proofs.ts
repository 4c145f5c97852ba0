/**
 * The arithmetic of RFC 6962 §2.1 proofs (which subtree ranges a proof holds) and their
 * verification, with no Node API: the server builds proofs from these ranges (merkle.ts,
 * tree.ts) and the auditor's screen in the browser verifies them with WebCrypto.
 */

/** A range of leaves [start, end): its hash is MTH(D[start:end]). */
export type Range = readonly [start: number, end: number];

/** SHA-256, as the caller's platform computes it (node:crypto or WebCrypto). */
export type Sha256 = (data: Uint8Array) => Promise<Uint8Array>;

/** The largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The ranges whose hashes form PATH(m, D[n]), in the RFC's order (leaf side first). */
export function inclusionRanges(m: number, n: number): Range[] {
  const trail: Range[] = [];
  let [start, end, index] = [0, n, m];
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
  return trail.reverse();
}

/**
 * The walk of SUBPROOF(m, D[n], true) from the root down: at each level the sibling range
 * the proof holds and whether the old tree (m leaves) lies wholly left of it; then the range
 * where the walk stops, and whether that range is the whole old tree (its hash is then the
 * old root, which the proof leaves out).
 */
function consistencyWalk(m: number, n: number) {
  const steps: { sibling: Range; oldLeftOfIt: boolean }[] = [];
  let [start, end, size, whole] = [0, n, m, true];
  while (size !== end - start) {
    const k = splitPoint(end - start);
    if (size <= k) {
      steps.push({ sibling: [start + k, end], oldLeftOfIt: true });
      end = start + k;
    } else {
      steps.push({ sibling: [start, start + k], oldLeftOfIt: false });
      start += k;
      size -= k;
      whole = false;
    }
  }
  return { steps, last: [start, end] as Range, whole };
}

/** The ranges whose hashes form PROOF(m, D[n]) = SUBPROOF(m, D[n], true), 0 < m <= n. */
export function consistencyRanges(m: number, n: number): Range[] {
  const { steps, last, whole } = consistencyWalk(m, n);
  // Each level's sibling follows the deeper proof; the stopping range comes first.
  const siblings = steps.map((step) => step.sibling).reverse();
  return whole ? siblings : [last, ...siblings];
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** RFC 6962 §2.1: leaves hash with a 0x00 prefix, interior nodes with 0x01. */
export const leafHashOf = (sha256: Sha256, entry: Uint8Array) =>
  sha256(concat(Uint8Array.of(0), entry));
const nodeHashOf = (sha256: Sha256, left: Uint8Array, right: Uint8Array) =>
  sha256(concat(Uint8Array.of(1), left, right));

export const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Whether `path` proves the leaf `leafHash` at `leafIndex` is in the tree of `treeSize` with `root`. */
export async function verifyInclusion(
  sha256: Sha256,
  proof: { leafIndex: number; treeSize: number; leafHash: Uint8Array; path: Uint8Array[] },
  root: Uint8Array,
): Promise<boolean> {
  const { leafIndex, treeSize, leafHash, path } = proof;
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return false;
  const siblings = inclusionRanges(leafIndex, treeSize);
  if (siblings.length !== path.length) return false;
  let acc = leafHash;
  for (const [i, [start]] of siblings.entries()) {
    const sibling = path[i] as Uint8Array;
    acc =
      start > leafIndex
        ? await nodeHashOf(sha256, acc, sibling)
        : await nodeHashOf(sha256, sibling, acc);
  }
  return sameBytes(acc, root);
}

/** Whether `proof` shows the tree of `from` leaves with `fromRoot` is a prefix of the tree of `to` leaves with `toRoot`. */
export async function verifyConsistency(
  sha256: Sha256,
  { from, to, proof }: { from: number; to: number; proof: Uint8Array[] },
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
): Promise<boolean> {
  if (from === to) return proof.length === 0 && sameBytes(fromRoot, toRoot);
  if (!(from >= 1 && from < to)) return false;
  const { steps, whole } = consistencyWalk(from, to);
  if (proof.length !== steps.length + (whole ? 0 : 1)) return false;
  const hashes = [...proof];
  let old = whole ? fromRoot : (hashes.shift() as Uint8Array);
  let current = old;
  // Back up the walk: both roots are rebuilt from the same hashes.
  for (const step of steps.reverse()) {
    const sibling = hashes.shift() as Uint8Array;
    if (step.oldLeftOfIt) {
      current = await nodeHashOf(sha256, current, sibling);
    } else {
      current = await nodeHashOf(sha256, sibling, current);
      old = await nodeHashOf(sha256, sibling, old);
    }
  }
  return sameBytes(old, fromRoot) && sameBytes(current, toRoot);
}

export const hexToBytes = (hex: string): Uint8Array | undefined =>
  hex.length % 2 === 0 && /^[0-9a-f]*$/.test(hex)
    ? Uint8Array.from({ length: hex.length / 2 }, (_, i) =>
        parseInt(hex.slice(2 * i, 2 * i + 2), 16),
      )
    : undefined;
