import { base45Decode } from '../../../server/modules/certificates/encoding.js';
import {
  MAX_CREDENTIAL_BYTES,
  QR_PREFIX,
  type QrDecoded,
} from '../../../server/modules/certificates/qr-format.js';

/**
 * Inflates at most `limit` bytes (raw DEFLATE, or zlib with `format: 'deflate'`); undefined
 * past it, so a hostile QR cannot inflate a bomb. Throws on corrupt input.
 */
export async function inflateBounded(
  bytes: Uint8Array,
  limit: number,
  format: 'deflate-raw' | 'deflate' = 'deflate-raw',
): Promise<Uint8Array | undefined> {
  const reader = new Blob([bytes.slice()])
    .stream()
    .pipeThrough(new DecompressionStream(format))
    .getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The browser twin of decodeQrText in server/modules/certificates/qr.ts (same format, same bound). */
export async function decodeQrText(text: string): Promise<QrDecoded> {
  const trimmed = text.trim();
  if (!trimmed.startsWith(QR_PREFIX)) return { ok: false, reason: 'not-a-teeka-certificate' };
  const compressed = base45Decode(trimmed.slice(QR_PREFIX.length));
  if (!compressed || compressed.length === 0) return { ok: false, reason: 'malformed' };
  try {
    const json = await inflateBounded(compressed, MAX_CREDENTIAL_BYTES);
    if (!json) return { ok: false, reason: 'malformed' };
    return { ok: true, document: JSON.parse(new TextDecoder().decode(json)) as unknown };
  } catch {
    // Truncated or corrupt DEFLATE, or not JSON.
    return { ok: false, reason: 'malformed' };
  }
}
