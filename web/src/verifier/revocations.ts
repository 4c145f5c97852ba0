import { revocationsResponse } from '../../../server/modules/certificates/schemas.js';
import { api } from '../api';

const STORAGE_KEY = 'teeka.verifier.revocations';
/** Pages fetched at most: 1,000 ids a page; a list longer than this is a server problem, not ours to loop on. */
const MAX_PAGES = 200;

export interface RevocationList {
  ids: Set<string>;
  fetchedAt: string;
  /** False when this is the copy saved at fetchedAt, because the server could not be reached. */
  live: boolean;
}

async function fetchAll(): Promise<string[]> {
  const ids: string[] = [];
  let after = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = revocationsResponse.parse(await api.revocations(after));
    ids.push(...answer.revoked.map((r) => r.certificate_id));
    if (answer.next === undefined) return ids;
    after = answer.next;
  }
  throw new Error('revocation list too long');
}

function savedList(): RevocationList | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as { ids?: unknown; fetchedAt?: unknown };
    if (!Array.isArray(parsed.ids) || typeof parsed.fetchedAt !== 'string') return undefined;
    const ids = parsed.ids.filter((id): id is string => typeof id === 'string');
    return { ids: new Set(ids), fetchedAt: parsed.fetchedAt, live: false };
  } catch {
    return undefined;
  }
}

/**
 * The issuer's revocation list: fresh from the server when it answers, else the copy saved
 * the last time it did, else undefined (never checked on this device).
 */
export async function loadRevocations(): Promise<RevocationList | undefined> {
  if (navigator.onLine) {
    try {
      const ids = await fetchAll();
      const fetchedAt = new Date().toISOString();
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ ids, fetchedAt }));
      return { ids: new Set(ids), fetchedAt, live: true };
    } catch {
      // Offline in all but name (captive portal, server down): fall back to the saved copy.
    }
  }
  return savedList();
}
