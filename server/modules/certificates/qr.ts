import { deflateRawSync, inflateRawSync } from 'node:zlib';

import QRCode from 'qrcode';

import { base45Decode, base45Encode } from './encoding.js';
import { MAX_CREDENTIAL_BYTES, QR_PREFIX, type QrDecoded } from './qr-format.js';

export function encodeQrText(credential: object): string {
  return QR_PREFIX + base45Encode(deflateRawSync(JSON.stringify(credential), { level: 9 }));
}

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
