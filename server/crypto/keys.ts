import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Config } from '../config.js';

/**
 * Key material for everything Teeka encrypts, indexes or signs, derived from master keys.
 *
 * TEEKA_MASTER_KEY (or the file TEEKA_MASTER_KEY_FILE names) holds one or more entries
 * `id:base64(32 bytes)`, comma-separated; the first is current, the others stay usable to
 * decrypt what they encrypted (rotation). Each purpose ("beneficiary-name", "mobile-index",
 * "audit-signing") gets its own key through HKDF-SHA256, so no two uses share a key.
 * Development generates a master key into the data directory on first start; production
 * refuses to start without one.
 */
export interface KeyRing {
  /** The id of the current master key. */
  currentId: string;
  /** The id of the oldest master key: the one blind indexes use. */
  indexId: string;
  /** A 32-byte key for one purpose under a master key (the current one by default). */
  derive(purpose: string, masterId?: string): Buffer;
  hasMaster(id: string): boolean;
  /** An Ed25519 private key for one purpose, derived deterministically (same on every node). */
  ed25519(purpose: string, masterId?: string): KeyObject;
}

export class KeyConfigError extends Error {
  override name = 'KeyConfigError';
}

const ID = /^[A-Za-z0-9_-]{1,32}$/;

export function parseMasterKeys(text: string, source: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of text.trim().split(',')) {
    const [id, b64] = entry.includes(':') ? entry.trim().split(':', 2) : ['k1', entry.trim()];
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || !ID.test(id) || key.length !== 32 || keys.has(id)) {
      throw new KeyConfigError(
        `${source} must hold comma-separated entries "id:base64" of 32-byte keys with distinct ids (generate one with: openssl rand -base64 32).`,
      );
    }
    keys.set(id, key);
  }
  return keys;
}

export function createKeyRing(masters: Map<string, Buffer>): KeyRing {
  const first = masters.keys().next();
  if (first.done) throw new KeyConfigError('No master key.');
  const currentId = first.value;
  const master = (id: string) => {
    const key = masters.get(id);
    if (!key) throw new KeyConfigError(`Unknown master key id ${id}.`);
    return key;
  };
  const derive = (purpose: string, masterId = currentId) =>
    Buffer.from(hkdfSync('sha256', master(masterId), Buffer.alloc(0), `teeka:${purpose}`, 32));
  return {
    currentId,
    indexId: [...masters.keys()].at(-1) ?? currentId,
    derive,
    hasMaster: (id) => masters.has(id),
    ed25519(purpose, masterId = currentId) {
      // PKCS#8 DER prefix for an Ed25519 private key, followed by the 32-byte seed (RFC 8410).
      const der = Buffer.concat([
        Buffer.from('302e020100300506032b657004220420', 'hex'),
        derive(`ed25519:${purpose}`, masterId),
      ]);
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    },
  };
}

/** Loads the master keys as configured; in development creates one in the data directory if none is set. */
export async function loadKeyRing(
  config: Pick<Config, 'masterKey' | 'masterKeyFile' | 'production' | 'dataDir'>,
): Promise<KeyRing> {
  if (config.masterKey) return createKeyRing(parseMasterKeys(config.masterKey, 'TEEKA_MASTER_KEY'));
  if (config.masterKeyFile) {
    const text = await readFile(config.masterKeyFile, 'utf8').catch(() => {
      throw new KeyConfigError(`TEEKA_MASTER_KEY_FILE ${config.masterKeyFile} cannot be read.`);
    });
    return createKeyRing(parseMasterKeys(text, 'TEEKA_MASTER_KEY_FILE'));
  }
  if (config.production) {
    throw new KeyConfigError(
      'Production needs a master key: set TEEKA_MASTER_KEY or TEEKA_MASTER_KEY_FILE (generate one with: openssl rand -base64 32).',
    );
  }
  const file = path.join(config.dataDir, 'master.key');
  let text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) {
    await mkdir(config.dataDir, { recursive: true });
    text = `dev1:${randomBytes(32).toString('base64')}\n`;
    await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch(async () => {
      text = await readFile(file, 'utf8'); // another process created it first
    });
    await chmod(file, 0o600);
  }
  return createKeyRing(parseMasterKeys(text, file));
}

/**
 * Field encryption: AES-256-GCM with a random 96-bit nonce and the purpose bound in as
 * associated data, stored as `v1.<master id>.<nonce>.<ciphertext+tag>` (base64url), so a
 * value moved to another column or purpose does not decrypt.
 */
export function encryptField(ring: KeyRing, purpose: string, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.derive(`field:${purpose}`), nonce);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `v1.${ring.currentId}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

export function decryptField(ring: KeyRing, purpose: string, stored: string): string {
  const [version, masterId, nonce, body] = stored.split('.');
  if (version !== 'v1' || !masterId || !nonce || !body || !ring.hasMaster(masterId)) {
    throw new Error('Encrypted field has an unknown format or key');
  }
  const raw = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    ring.derive(`field:${purpose}`, masterId),
    Buffer.from(nonce, 'base64url'),
  );
  decipher.setAAD(Buffer.from(purpose));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([
    decipher.update(raw.subarray(0, raw.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}

/**
 * A keyed blind index (HMAC-SHA256) for equality lookups on an encrypted value. Indexes use
 * the oldest master key in the list, so putting a new current key in front leaves every
 * stored index valid; retiring that oldest key would mean recomputing the indexes.
 */
export function blindIndex(ring: KeyRing, purpose: string, normalized: string): string {
  return createHmac('sha256', ring.derive(`index:${purpose}`, ring.indexId))
    .update(normalized, 'utf8')
    .digest('base64url');
}

/**
 * The signing key of one token purpose under the current master key, and the public key of
 * any master key id a token names (cached), so tokens signed before a master-key rotation
 * still verify on every node.
 */
export function tokenSigningKeys(keys: KeyRing, purpose: string) {
  const publicKeys = new Map<string, KeyObject>();
  return {
    signingKey: keys.ed25519(purpose),
    publicKey: (masterId: string): KeyObject => {
      let key = publicKeys.get(masterId);
      if (!key) {
        key = createPublicKey(keys.ed25519(purpose, masterId));
        publicKeys.set(masterId, key);
      }
      return key;
    },
  };
}
