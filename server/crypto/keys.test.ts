import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  blindIndex,
  createKeyRing,
  decryptField,
  encryptField,
  KeyConfigError,
  loadKeyRing,
  parseMasterKeys,
} from './keys.js';

const key = () => randomBytes(32).toString('base64');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('key ring', () => {
  it('encrypts a field so that only its purpose and key decrypt it, with a fresh nonce each time', () => {
    const ring = createKeyRing(parseMasterKeys(`a:${key()}`, 'test'));
    const one = encryptField(ring, 'beneficiary-name', 'Asha Kumari');
    const two = encryptField(ring, 'beneficiary-name', 'Asha Kumari');
    expect(one).not.toEqual(two);
    expect(one).not.toContain('Asha');
    expect(one.startsWith('v1.a.')).toBe(true);
    expect(decryptField(ring, 'beneficiary-name', one)).toBe('Asha Kumari');
    expect(() => decryptField(ring, 'photo-id-number', one)).toThrow();
    // Flip one bit of the ciphertext itself (not a base64 padding bit).
    const [v, id, nonce, body = ''] = one.split('.');
    const bytes = Buffer.from(body, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    const tampered = [v, id, nonce, bytes.toString('base64url')].join('.');
    expect(tampered).not.toBe(one);
    expect(() => decryptField(ring, 'beneficiary-name', tampered)).toThrow();
  });

  it('rotates: a new current key encrypts, old values still decrypt, blind indexes stay valid', () => {
    const oldKey = key();
    const before = createKeyRing(parseMasterKeys(`k1:${oldKey}`, 'test'));
    const stored = encryptField(before, 'mobile', '9876543210');
    const index = blindIndex(before, 'mobile', '9876543210');
    const after = createKeyRing(parseMasterKeys(`k2:${key()},k1:${oldKey}`, 'test'));
    expect(after.currentId).toBe('k2');
    expect(decryptField(after, 'mobile', stored)).toBe('9876543210');
    expect(encryptField(after, 'mobile', 'x').startsWith('v1.k2.')).toBe(true);
    expect(blindIndex(after, 'mobile', '9876543210')).toBe(index);
    expect(blindIndex(after, 'photo-id', '9876543210')).not.toBe(index);
  });

  it('derives the same Ed25519 signing key on every node from the same master key', () => {
    const master = key();
    const a = createKeyRing(parseMasterKeys(master, 'test')).ed25519('audit-signing');
    const b = createKeyRing(parseMasterKeys(master, 'test')).ed25519('audit-signing');
    expect(a.export({ format: 'jwk' })).toEqual(b.export({ format: 'jwk' }));
    expect(a.asymmetricKeyType).toBe('ed25519');
  });

  it('rejects malformed master keys with a clear message', () => {
    expect(() => parseMasterKeys('short', 'TEEKA_MASTER_KEY')).toThrow(KeyConfigError);
    expect(() => parseMasterKeys(`a:${key()},a:${key()}`, 'TEEKA_MASTER_KEY')).toThrow(
      /distinct ids/,
    );
  });

  it('generates a development key into the data directory once, and refuses production without one', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'teeka-keys-'));
    dirs.push(dataDir);
    const settings = { masterKey: undefined, masterKeyFile: undefined, dataDir };
    const first = await loadKeyRing({ ...settings, production: false });
    const second = await loadKeyRing({ ...settings, production: false });
    expect(first.derive('x')).toEqual(second.derive('x'));
    expect((await stat(path.join(dataDir, 'master.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dataDir, 'master.key'), 'utf8')).toMatch(/^dev1:/);
    await expect(loadKeyRing({ ...settings, production: true })).rejects.toThrow(
      /Production needs a master key/,
    );
  });
});
