import { type KeyObject, sign, verify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

/*
 * Decoders and encoders written from the public specifications (RFC 9285 base45, RFC 8949
 * CBOR heads, RFC 9052 COSE_Sign1 Sig_structure, the SMART Health Cards framework), not from
 * Teeka's code: what a foreign verifier or issuer does. For the international certificate tests.
 */

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
/** RFC 9285 section 4.2: each 3 characters c + 45d + 2025e are 2 bytes; a last pair is 1 byte. */
export function base45(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 3) {
    const [c = 0, d = 0, e] = Array.from(text.slice(i, i + 3), (ch) => B45.indexOf(ch));
    const n = c + d * 45 + (e === undefined ? 0 : e * 2025);
    if (e === undefined) bytes.push(n);
    else bytes.push(n >> 8, n & 0xff);
  }
  return Buffer.from(bytes);
}
export const toBase45 = (bytes: Buffer) => {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    let n = (bytes[i] ?? 0) * 256 + (bytes[i + 1] ?? 0);
    for (let k = 0; k < 3; k++, n = Math.floor(n / 45)) out += B45[n % 45] ?? '';
  }
  if (bytes.length % 2) {
    const n = bytes.at(-1) ?? 0;
    out += `${B45[n % 45] ?? ''}${B45[Math.floor(n / 45)] ?? ''}`;
  }
  return out;
};

/** RFC 8949 section 3: the head of a data item of major type `major` and length `length`. */
export function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
}
const bstr = (bytes: Buffer) => Buffer.concat([cborHead(2, bytes.length), bytes]);
/** RFC 9052 section 4.4: ["Signature1", body_protected, external_aad = h'', payload]. */
export const sigStructure = (protectedHeader: Buffer, payload: Buffer) =>
  Buffer.concat([
    cborHead(4, 4),
    cborHead(3, 10),
    Buffer.from('Signature1'),
    bstr(protectedHeader),
    bstr(Buffer.alloc(0)),
    bstr(payload),
  ]);

/** SHC spec: after `shc:/`, each pair of digits is a character's code minus 45. */
export const shcJws = (qr: string) =>
  (qr.slice(5).match(/\d\d/g) ?? []).map((pair) => String.fromCharCode(Number(pair) + 45)).join('');
export const shcQr = (jws: string) =>
  `shc:/${Array.from(jws, (c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('')}`;
/** The kid and the claims of a SMART Health Card JWS: header JSON, payload raw DEFLATE. */
export function shcParts(jws: string) {
  const [header = '', payload = ''] = jws.split('.');
  const claims = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8')) as {
    iss: string;
    nbf: number;
    vc: { rid?: string };
  };
  return { kid: String(json(header).kid), claims };
}
export const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');
export const json = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

export const es256 = (data: Buffer, privateKey: KeyObject) =>
  sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
export const es256Valid = (data: Buffer, key: KeyObject, signature: Buffer) =>
  verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
