import * as canonicalizeModule from 'canonicalize';

// The package is CommonJS whose typings declare an ES default export; under NodeNext the
// callable is the namespace's `default`.
const serialize = (canonicalizeModule as unknown as { default: (value: unknown) => string })
  .default;

/** RFC 8785 JSON Canonicalization Scheme, as UTF-8 bytes. */
export function jcs(value: unknown): Buffer {
  return Buffer.from(serialize(value), 'utf8');
}
