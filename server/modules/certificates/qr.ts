import { deflateRawSync, inflateRawSync } from 'node:zlib';

import QRCode from 'qrcode';

import { base45Decode, base45Encode } from './encoding.js';

/**
 * What the QR code carries: `TK1:` + base45(raw DEFLATE(credential JSON)). Base45 uses only
 * the QR alphanumeric alphabet, so the code stores 5.5 bits a character instead of 8 (the
 * EU Digital COVID Certificate made the same choice). The prefix names the format and its
 * version, so a QR that is not ours is told apart from a damaged one.
 */
const QR_PREFIX = 'TK1:';
/** Larger than any credential we issue; bounds what a hostile QR can make us inflate. */
const MAX_CREDENTIAL_BYTES = 16_384;

export function encodeQrText(credential: object): string {
  return QR_PREFIX + base45Encode(deflateRawSync(JSON.stringify(credential), { level: 9 }));
}

export type QrDecoded =
  { ok: true; document: unknown } | { ok: false; reason: 'not-a-teeka-certificate' | 'malformed' };

export function decodeQrText(text: string): QrDecoded {
  const trimmed = text.trim();
  if (!trimmed.startsWith(QR_PREFIX)) return { ok: false, reason: 'not-a-teeka-certificate' };
  const compressed = base45Decode(trimmed.slice(QR_PREFIX.length));
  if (!compressed || compressed.length === 0) return { ok: false, reason: 'malformed' };
  try {
    const json = inflateRawSync(compressed, { maxOutputLength: MAX_CREDENTIAL_BYTES });
    return { ok: true, document: JSON.parse(json.toString('utf8')) };
  } catch {
    // Truncated or corrupt DEFLATE, a payload that inflates past the bound, or not JSON.
    return { ok: false, reason: 'malformed' };
  }
}

/**
 * The QR symbol for `text` at error correction M (survives about 15% damage: creases,
 * smudges): its version (1-40), modules a side (21 + 4 (version - 1)), and which are dark.
 */
export function qrModules(text: string) {
  const qr = QRCode.create([{ data: text, mode: 'alphanumeric' }], { errorCorrectionLevel: 'M' });
  return {
    version: qr.version,
    size: qr.modules.size,
    isDark: (row: number, col: number) => qr.modules.get(row, col) === 1,
  };
}
