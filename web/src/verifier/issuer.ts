import type { z } from 'zod';

import { base58btcDecode } from '../../../server/modules/certificates/encoding.js';
import { didDocumentResponse } from '../../../server/modules/certificates/schemas.js';
import { api } from '../api';

type DidDocument = z.infer<typeof didDocumentResponse>;

/** The issuer a certificate must name, and its published keys by verification method id. */
export interface TrustedIssuer {
  did: string;
  keys: Map<string, CryptoKey>;
  /** When these keys were fetched from the server. */
  fetchedAt: string;
  /** True when the server could not be reached and the saved copy is in use. */
  offline: boolean;
}

// The keys are public; keeping them lets the page verify with no network at all.
const STORAGE_KEY = 'teeka.verifier.did';

interface Saved {
  document: DidDocument;
  fetchedAt: string;
}

function saved(): Saved | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as { document?: unknown; fetchedAt?: unknown };
    const document = didDocumentResponse.safeParse(parsed.document);
    if (!document.success || typeof parsed.fetchedAt !== 'string') return undefined;
    return { document: document.data, fetchedAt: parsed.fetchedAt };
  } catch {
    return undefined;
  }
}

/** The raw 32-byte Ed25519 key of a Multikey `publicKeyMultibase`: z + base58(0xed01 || key). */
function ed25519FromMultibase(multibase: string): Uint8Array<ArrayBuffer> | undefined {
  if (!multibase.startsWith('z')) return undefined;
  const bytes = base58btcDecode(multibase.slice(1));
  if (bytes?.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return undefined;
  return bytes.slice(2);
}

async function trust(document: DidDocument, fetchedAt: string, offline: boolean) {
  const keys = new Map<string, CryptoKey>();
  for (const method of document.verificationMethod) {
    const raw = ed25519FromMultibase(method.publicKeyMultibase);
    // Only keys the issuer itself controls and lists for assertions sign certificates.
    if (!raw || method.controller !== document.id || !document.assertionMethod.includes(method.id))
      continue;
    keys.set(
      method.id,
      await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']),
    );
  }
  return { did: document.id, keys, fetchedAt, offline } satisfies TrustedIssuer;
}

/**
 * The issuer's keys from /.well-known/did.json, saved for offline use: the server is asked
 * first (keys may have rotated), the saved copy is the fallback when it cannot be reached.
 */
export async function loadIssuer(): Promise<TrustedIssuer> {
  const kept = saved();
  if (kept && !navigator.onLine) return trust(kept.document, kept.fetchedAt, true);
  try {
    const document = didDocumentResponse.parse(await api.issuerDidDocument());
    const fetchedAt = new Date().toISOString();
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ document, fetchedAt }));
    return await trust(document, fetchedAt, false);
  } catch (error) {
    if (kept) return trust(kept.document, kept.fetchedAt, true);
    throw error;
  }
}
