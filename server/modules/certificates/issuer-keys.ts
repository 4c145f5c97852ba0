import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

import { decryptField, encryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Conflict } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { CertificateStore } from './store.js';
import { publicKeyFromRaw, rawPublicKey } from './vc.js';

const PRIVATE_KEY_PURPOSE = 'certificate-signing-key';
/**
 * How long a node signs with the key it loaded before looking for a newer generation:
 * a rotation (the CLI or another node) happens elsewhere, so every node picks the new key up within this.
 */
const CURRENT_KEY_TTL_MS = 60_000;

export interface IssuerKey {
  generation: number;
  kid: string;
  /** `<issuer DID>#<kid>`: what a proof's verificationMethod names. */
  verificationMethod: string;
  publicKey: KeyObject;
  raw: Buffer;
}

interface Loaded {
  at: number;
  byMethod: Map<string, IssuerKey>;
  newest: IssuerKey | undefined;
}

/** RFC 7638 JWK thumbprint of an Ed25519 key: the key id, stable and derived from the key. */
function thumbprint(raw: Buffer): string {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${raw.toString('base64url')}"}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The issuer's Ed25519 keys, stored encrypted in certificate_keys and cached in memory on
 * each node. Private keys are decrypted only for the current generation, once per load.
 */
export function createIssuerKeys({
  store,
  keys,
  clock,
  issuer,
}: {
  store: CertificateStore;
  keys: KeyRing;
  clock: Clock;
  issuer: string;
}) {
  let loaded: Loaded | undefined;
  let signing: { kid: string; privateKey: KeyObject } | undefined;

  async function load(db: Db): Promise<Loaded> {
    const rows = await store.keys(db);
    const byMethod = new Map<string, IssuerKey>();
    let newest: IssuerKey | undefined;
    for (const row of rows) {
      const raw = Buffer.from(row.public_key, 'base64url');
      const key: IssuerKey = {
        generation: row.generation,
        kid: row.kid,
        verificationMethod: `${issuer}#${row.kid}`,
        publicKey: publicKeyFromRaw(raw),
        raw,
      };
      byMethod.set(key.verificationMethod, key);
      newest = key;
    }
    const newestRow = rows.at(-1);
    if (newestRow && signing?.kid !== newestRow.kid) {
      const der = Buffer.from(
        decryptField(keys, PRIVATE_KEY_PURPOSE, newestRow.private_key),
        'base64url',
      );
      signing = {
        kid: newestRow.kid,
        privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
      };
    }
    loaded = { at: clock.now().getTime(), byMethod, newest };
    return loaded;
  }

  /** Adds the next generation; false when another process added it at the same moment. */
  async function addGeneration(db: Db, generation: number): Promise<boolean> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = rawPublicKey(publicKey);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    return store.insertKey(db, {
      generation,
      kid: thumbprint(raw),
      public_key: raw.toString('base64url'),
      private_key: encryptField(keys, PRIVATE_KEY_PURPOSE, der.toString('base64url')),
      created_at: clock.now(),
    });
  }

  return {
    /** The key that signs now; the first use on an empty database creates generation 1. */
    async current(db: Db): Promise<IssuerKey & { privateKey: KeyObject }> {
      let state = loaded;
      if (!state?.newest || clock.now().getTime() - state.at > CURRENT_KEY_TTL_MS) {
        state = await load(db);
      }
      if (!state.newest) {
        await addGeneration(db, 1);
        state = await load(db);
        // The caller's transaction may still roll the new key back: look again next time.
        state.at = Number.NEGATIVE_INFINITY;
      }
      const newest = state.newest;
      if (!newest || signing?.kid !== newest.kid) {
        throw new Error('The current certificate key could not be loaded');
      }
      return { ...newest, privateKey: signing.privateKey };
    },

    /**
     * The public key a verificationMethod names. One we do not know makes us reread the
     * (small) key table, so a key another node just rotated in verifies at once; the verify
     * endpoint's rate limit bounds how often garbage key ids can cause that read.
     */
    async publicKey(db: Db, verificationMethod: string): Promise<KeyObject | undefined> {
      let state = loaded ?? (await load(db));
      if (!state.byMethod.has(verificationMethod)) state = await load(db);
      return state.byMethod.get(verificationMethod)?.publicKey;
    },

    /** Every generation, oldest first: all stay published so old certificates keep verifying. */
    async published(db: Db): Promise<IssuerKey[]> {
      const state = await load(db);
      return [...state.byMethod.values()];
    },

    /** Key rotation (key-rotation.ts): a new generation becomes the signing key; the old ones stay. */
    async rotate(db: Db): Promise<IssuerKey> {
      const state = await load(db);
      const next = (state.newest?.generation ?? 0) + 1;
      if (!(await addGeneration(db, next))) {
        throw new Conflict(
          'Another rotation added the same key generation at the same moment; run it again.',
          'key-rotation-raced',
        );
      }
      const after = await load(db);
      // The caller's transaction may still roll the new key back: look again next time.
      after.at = Number.NEGATIVE_INFINITY;
      if (!after.newest) throw new Error('The new certificate key could not be loaded');
      return after.newest;
    },
  };
}

export type IssuerKeys = ReturnType<typeof createIssuerKeys>;
