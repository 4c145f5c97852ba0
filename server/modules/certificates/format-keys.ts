// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  webcrypto,
} from 'node:crypto';

import * as x509 from '@peculiar/x509';

import { decryptField, encryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Conflict } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { FormatKeyRow, FormatKeyStore } from './format-store.js';
import type { KeySeries } from './tables.js';

const PRIVATE_KEY_PURPOSE = 'certificate-format-signing-key';
/** As for the W3C VC key (issuer-keys.ts): a rotation in another process reaches every node within this. */
const CURRENT_KEY_TTL_MS = 60_000;
const DAY_MS = 86_400_000;
/** The CSCA certifies signers for years; a document signer signs for two (EU DCC CP: DSC up to 2 years). */
const CSCA_VALIDITY_DAYS = 10 * 365;
const DSC_VALIDITY_DAYS = 2 * 365;
/** Extended key usage of a DSC that signs vaccination certificates only (hcert spec, section 5.1.1). */
const EKU_VACCINATION = '1.3.6.1.4.1.1847.2021.1.2';
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const { subtle } = webcrypto;
/** @peculiar/x509 takes a DOM `Crypto`; Node's webcrypto is one, but typed apart. */
const x509Crypto = webcrypto as never;

/** The formats whose signing key `teeka keys rotate --format` turns over (the CSCA is not one). */
export type SigningFormat = 'shc' | 'dcc';

export interface FormatKey {
  format: KeySeries;
  generation: number;
  /** SHC: RFC 7638 JWK thumbprint. DCC and CSCA: base64 of the first 8 bytes of SHA-256(certificate DER). */
  kid: string;
  publicKey: KeyObject;
  /** The public key as a JWK (EC P-256: x, y). */
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  /** DER of the X.509 certificate (DCC signers and the CSCA). */
  certificate?: Buffer;
  notAfter?: Date;
}

interface Loaded {
  at: number;
  series: Map<KeySeries, FormatKey[]>;
}

/** RFC 7638 thumbprint of an EC P-256 key: members in lexicographic order, no spaces. */
export function ecThumbprint(jwk: { x: string; y: string }): string {
  const canonical = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The EU DCC key id: the first 8 bytes of the SHA-256 of the signer certificate's DER. */
export function dccKid(certificateDer: Buffer): Buffer {
  return createHash('sha256').update(certificateDer).digest().subarray(0, 8);
}

const serialNumber = () => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // a positive INTEGER
  return bytes.toString('hex');
};

function toFormatKey(row: FormatKeyRow): FormatKey {
  const publicKey = createPublicKey({
    key: Buffer.from(row.public_key, 'base64url'),
    format: 'der',
    type: 'spki',
  });
  const exported = publicKey.export({ format: 'jwk' });
  const certificate = row.certificate ? Buffer.from(row.certificate, 'base64url') : undefined;
  return {
    format: row.format,
    generation: row.generation,
    kid: row.kid,
    publicKey,
    jwk: { kty: 'EC', crv: 'P-256', x: exported.x ?? '', y: exported.y ?? '' },
    ...(certificate
      ? { certificate, notAfter: new x509.X509Certificate(certificate).notAfter }
      : {}),
  };
}

/**
 * The P-256 keys of the international formats, one series per format, stored encrypted in
 * certificate_format_keys and cached on each node: SMART Health Card issuer keys, EU DCC
 * document signers (each with an X.509 certificate from this deployment's CSCA), and the CSCA.
 */
export function createFormatKeys({
  store,
  keys,
  clock,
  issuerHost,
}: {
  store: FormatKeyStore;
  keys: KeyRing;
  clock: Clock;
  issuerHost: string;
}) {
  let loaded: Loaded | undefined;
  const signing = new Map<string, KeyObject>();

  async function load(db: Db): Promise<Loaded> {
    const series = new Map<KeySeries, FormatKey[]>();
    for (const row of await store.all(db)) {
      const list = series.get(row.format) ?? [];
      list.push(toFormatKey(row));
      series.set(row.format, list);
    }
    loaded = { at: clock.now().getTime(), series };
    return loaded;
  }

  async function privateKeyOf(db: Db, key: FormatKey): Promise<KeyObject> {
    const id = `${key.format}:${key.kid}`;
    const cached = signing.get(id);
    if (cached) return cached;
    const row = (await store.all(db)).find((r) => r.format === key.format && r.kid === key.kid);
    if (!row) throw new Error(`The ${key.format} key ${key.kid} is no longer stored`);
    const der = Buffer.from(decryptField(keys, PRIVATE_KEY_PURPOSE, row.private_key), 'base64url');
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    signing.set(id, privateKey);
    return privateKey;
  }

  const row = async (
    format: KeySeries,
    generation: number,
    pair: CryptoKeyPair,
    kid: string,
    certificate?: ArrayBuffer,
  ): Promise<FormatKeyRow> => ({
    format,
    generation,
    kid,
    public_key: Buffer.from(await subtle.exportKey('spki', pair.publicKey)).toString('base64url'),
    private_key: encryptField(
      keys,
      PRIVATE_KEY_PURPOSE,
      Buffer.from(await subtle.exportKey('pkcs8', pair.privateKey)).toString('base64url'),
    ),
    certificate: certificate ? Buffer.from(certificate).toString('base64url') : null,
    created_at: clock.now(),
  });

  const newPair = () => subtle.generateKey(EC_P256, true, ['sign', 'verify']);

  async function createCsca(db: Db, generation: number): Promise<boolean> {
    const pair = await newPair();
    const now = clock.now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: serialNumber(),
        name: `C=IN, O=Teeka, CN=Teeka CSCA ${issuerHost}`,
        notBefore: now,
        notAfter: new Date(now.getTime() + CSCA_VALIDITY_DAYS * DAY_MS),
        signingAlgorithm: ES256,
        keys: pair,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
            true,
          ),
          await x509.SubjectKeyIdentifierExtension.create(pair.publicKey, false, x509Crypto),
        ],
      },
      x509Crypto,
    );
    const der = Buffer.from(certificate.rawData);
    return store.insert(
      db,
      await row('csca', generation, pair, dccKid(der).toString('base64'), certificate.rawData),
    );
  }

  async function createDsc(db: Db, generation: number): Promise<boolean> {
    let state = await load(db);
    if (!state.series.get('csca')?.length) {
      await createCsca(db, 1);
      state = await load(db);
    }
    const csca = state.series.get('csca')?.at(-1);
    if (!csca?.certificate) throw new Error('The country signing CA could not be loaded');
    const cscaCertificate = new x509.X509Certificate(csca.certificate);
    const cscaPrivate = await subtle.importKey(
      'pkcs8',
      (await privateKeyOf(db, csca)).export({ format: 'der', type: 'pkcs8' }),
      EC_P256,
      false,
      ['sign'],
    );
    const pair = await newPair();
    const now = clock.now();
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serialNumber(),
        subject: `C=IN, O=Teeka, CN=Teeka DCC signer ${generation} ${issuerHost}`,
        issuer: cscaCertificate.subject,
        notBefore: now,
        notAfter: new Date(now.getTime() + DSC_VALIDITY_DAYS * DAY_MS),
        signingAlgorithm: ES256,
        publicKey: pair.publicKey,
        signingKey: cscaPrivate,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([EKU_VACCINATION], false),
          await x509.AuthorityKeyIdentifierExtension.create(cscaCertificate, false, x509Crypto),
          await x509.SubjectKeyIdentifierExtension.create(pair.publicKey, false, x509Crypto),
        ],
      },
      x509Crypto,
    );
    const der = Buffer.from(certificate.rawData);
    return store.insert(
      db,
      await row('dcc', generation, pair, dccKid(der).toString('base64'), certificate.rawData),
    );
  }

  async function createShc(db: Db, generation: number): Promise<boolean> {
    const pair = await newPair();
    const jwk = await subtle.exportKey('jwk', pair.publicKey);
    return store.insert(
      db,
      await row('shc', generation, pair, ecThumbprint({ x: jwk.x ?? '', y: jwk.y ?? '' })),
    );
  }

  const create = (db: Db, format: SigningFormat, generation: number) =>
    format === 'shc' ? createShc(db, generation) : createDsc(db, generation);

  return {
    /** The key that signs `format` now; the first use on an empty table creates generation 1. */
    async current(db: Db, format: SigningFormat): Promise<FormatKey & { privateKey: KeyObject }> {
      let state = loaded;
      if (!state || clock.now().getTime() - state.at > CURRENT_KEY_TTL_MS) state = await load(db);
      if (!state.series.get(format)?.length) {
        await create(db, format, 1);
        state = await load(db);
        // The caller's transaction may still roll the new key back: look again next time.
        state.at = Number.NEGATIVE_INFINITY;
      }
      const newest = state.series.get(format)?.at(-1);
      if (!newest) throw new Error(`The current ${format} key could not be loaded`);
      return { ...newest, privateKey: await privateKeyOf(db, newest) };
    },

    /** The published key of `format` with this kid; an unknown kid rereads the (small) table once. */
    async byKid(db: Db, format: KeySeries, kid: string): Promise<FormatKey | undefined> {
      const find = (state: Loaded) => state.series.get(format)?.find((k) => k.kid === kid);
      const state = loaded ?? (await load(db));
      return find(state) ?? find(await load(db));
    },

    /** Every generation of a series, oldest first: all stay published so old certificates verify. */
    async published(db: Db, format: KeySeries): Promise<FormatKey[]> {
      return (await load(db)).series.get(format) ?? [];
    },

    /** Key rotation (key-rotation.ts): a new generation signs; the old ones stay published. */
    async rotate(db: Db, format: SigningFormat): Promise<FormatKey> {
      const next = (await store.newestGeneration(db, format)) + 1;
      if (!(await create(db, format, next))) {
        throw new Conflict(
          'Another rotation added the same key generation at the same moment; run it again.',
          'key-rotation-raced',
        );
      }
      const after = await load(db);
      // The caller's transaction may still roll the new key back: look again next time.
      after.at = Number.NEGATIVE_INFINITY;
      const newest = after.series.get(format)?.at(-1);
      if (!newest) throw new Error(`The new ${format} key could not be loaded`);
      return newest;
    },
  };
}

export type FormatKeys = ReturnType<typeof createFormatKeys>;
