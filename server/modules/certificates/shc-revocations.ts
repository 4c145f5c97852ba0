import { createCipheriv, createDecipheriv } from 'node:crypto';

import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import type { FormatKeys } from './format-keys.js';
import type { CertificateStore } from './store.js';

const RID_PURPOSE = 'shc-revocation-id';

/**
 * SMART Health Card revocation (SHC framework 1.2.0, "Revocation"): the card's `vc.rid`, and
 * the Card Revocation List each issuer key publishes at `/.well-known/crl/<kid>.json`.
 *
 * The rid is the certificate id under a keyed permutation (AES-256 on one block): a verifier
 * cannot link cards by it or read the id out of it, and our own verifier gets the id back. The
 * oldest master key keeps it stable across master-key rotation, as blind indexes are.
 *
 * The rid does not depend on the signing key, and a card is signed on demand with whichever
 * key is current at download time, so one certificate's cards may carry any kid from its
 * issue on. We do not record which kids signed which certificate's cards: every kid's list
 * therefore holds every revoked certificate's rid (a rid listed under a kid that never signed
 * it revokes nothing else, since rids are unique to their certificate).
 */
export function createShcRevocations({
  store,
  formatKeys,
  keys,
}: {
  store: CertificateStore;
  formatKeys: FormatKeys;
  keys: KeyRing;
}) {
  const ridKey = () => keys.derive(RID_PURPOSE, keys.indexId);
  // ECB enciphers each 16-byte block on its own: a whole list goes through one cipher call
  // (a cipher a rid costs 11 µs; this, 2 µs).
  const ridsOf = (certificateIds: string[]) => {
    // Ids are numeric from certificate_id_seq; a longer one would shift every block after it.
    if (certificateIds.some((id) => id.length > 16))
      throw new Error('certificate id over 16 digits');
    const cipher = createCipheriv('aes-256-ecb', ridKey(), null).setAutoPadding(false);
    const blocks = Buffer.from(certificateIds.map((id) => id.padStart(16, '0')).join(''), 'ascii');
    const out = Buffer.concat([cipher.update(blocks), cipher.final()]);
    return certificateIds.map((_, i) => out.subarray(i * 16, i * 16 + 16).toString('base64url'));
  };
  // Revocations are only ever added (a correction revokes for good), so the count of revoked
  // certificates is the list's version: it grows with every change, and two reads with the
  // same count hold the same rows. The rids of the last count read are kept for the next reader.
  let kept: { ctr: number; rids: string[] } | undefined;

  return {
    /** The card's `vc.rid`: 16 bytes, 22 base64url characters (the framework allows 24). */
    ridOf: (certificateId: string) => ridsOf([certificateId])[0] ?? '',

    /** The certificate id a rid of ours stands for; undefined for anything else. */
    certificateIdOfRid: (rid: string): string | undefined => {
      const block = Buffer.from(rid, 'base64url');
      if (block.length !== 16) return undefined;
      const decipher = createDecipheriv('aes-256-ecb', ridKey(), null).setAutoPadding(false);
      const text = Buffer.concat([decipher.update(block), decipher.final()]).toString('latin1');
      // Leading zeros off as text: Number() would round an id past 2^53 (16 digits can be).
      return /^[0-9]{16}$/.test(text) ? text.replace(/^0+(?=\d)/, '') : undefined;
    },

    /** The `crlVersion` of every SHC key, and the `ctr` of its list: 0 while nothing is revoked. */
    version: (db: Db) => store.revocationCount(db),

    /** The Card Revocation List of an SHC key; undefined for a kid we never published. */
    async list(db: Db, kid: string) {
      if (!(await formatKeys.byKid(db, 'shc', kid))) return undefined;
      const count = await store.revocationCount(db);
      if (kept?.ctr !== count) {
        const ids = await store.revokedCertificateIds(db);
        // The ids read, not the count read before them: ctr always describes the rids it comes with.
        kept = { ctr: ids.length, rids: ridsOf(ids) };
      }
      return { kid, method: 'rid' as const, ctr: kept.ctr, rids: kept.rids };
    },
  };
}

export type ShcRevocations = ReturnType<typeof createShcRevocations>;
