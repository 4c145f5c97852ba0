import { jcs as canonicalText } from '../certificates/proof-input.js';

/** RFC 8785 JSON Canonicalization Scheme, as UTF-8 bytes. */
export function jcs(value: unknown): Buffer {
  return Buffer.from(canonicalText(value), 'utf8');
}
