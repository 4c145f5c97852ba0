import { createHash } from 'node:crypto';

/*
 * An independent RFC 9162 checker for the audit tree's tests, written from the RFC's text
 * and sharing no code with server/modules/audit: §2.1.1 (MTH, recursively), §2.1.3.2
 * (verifying an inclusion proof) and §2.1.4.2 (verifying a consistency proof).
 */

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const H = (left: Buffer, right: Buffer) => sha256(Buffer.of(1), left, right);

export const rfcLeafHash = (entry: Uint8Array) => sha256(Buffer.of(0), entry);

/** MTH(D[n]) over leaf hashes, by the recursive definition of §2.1.1. */
export function rfcTreeHash(leafHashes: Buffer[]): Buffer {
  const n = leafHashes.length;
  if (n === 0) return sha256();
  if (n === 1) return leafHashes[0] as Buffer;
  let k = 1;
  while (k << 1 < n) k <<= 1;
  return H(rfcTreeHash(leafHashes.slice(0, k)), rfcTreeHash(leafHashes.slice(k)));
}

const lsb = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

/** §2.1.3.2: verifying an inclusion proof. */
export function rfcVerifyInclusion(
  leafIndex: number,
  treeSize: number,
  hash: Buffer,
  path: Buffer[],
  root: Buffer,
): boolean {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = hash;
  for (const p of path) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = H(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = H(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** §2.1.4.2: verifying a consistency proof. */
export function rfcVerifyConsistency(
  firstSize: number,
  secondSize: number,
  firstHash: Buffer,
  secondHash: Buffer,
  proof: Buffer[],
): boolean {
  if (firstSize === secondSize) return proof.length === 0 && firstHash.equals(secondHash);
  if (firstSize === 0 || firstSize > secondSize || proof.length === 0) return false;
  const path = (firstSize & (firstSize - 1)) === 0 ? [firstHash, ...proof] : [...proof];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Buffer;
  let sr = path[0] as Buffer;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = H(c, fr);
      sr = H(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = H(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(firstHash) && sr.equals(secondHash) && sn === 0;
}
