import { z } from 'zod';

import {
  certificateJwks,
  shcRevocationList,
} from '../../../server/modules/certificates/schemas.js';
import { api } from '../api';
import type { RevocationList } from './revocations';

/*
 * The SMART Health Cards revocation check (framework 1.2.0, "Revocation"): the issuer key's
 * `crlVersion` in /.well-known/jwks.json says whether the list this device holds for that
 * key is current; a newer one is fetched from /.well-known/crl/<kid>.json. The lists are
 * public, and saved for offline use like the domestic list (revocations.ts).
 */

const STORAGE_KEY = 'teeka.verifier.shc-crl';

// One entry a key: the key's list as last fetched. An array, not a map, so the check needs no
// more of zod than the page already loads.
const savedLists = z.array(
  z.object({ kid: z.string(), ctr: z.number(), rids: z.array(z.string()), fetchedAt: z.string() }),
);
type SavedList = z.infer<typeof savedLists>[number];

function saved(): SavedList[] {
  try {
    const parsed = savedLists.safeParse(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The key's current list: the saved one while its ctr reaches the key's crlVersion, else a fresh one. */
async function currentList(kid: string, kept: SavedList | undefined) {
  const jwks = certificateJwks.parse(await api.certificateJwks('no-cache'));
  const key = jwks.keys.find((k) => k.kty === 'EC' && k.kid === kid);
  // No crlVersion: the issuer has revoked nothing, and there is no list to fetch.
  const version = key && 'crlVersion' in key ? (key.crlVersion ?? 0) : 0;
  if (kept && kept.ctr >= version) return { ctr: kept.ctr, rids: kept.rids };
  if (version === 0) return { ctr: 0, rids: [] };
  const list = shcRevocationList.parse(await api.shcRevocationList(kid));
  if (list.kid !== kid || list.ctr < version) throw new Error('revocation list out of date');
  return { ctr: list.ctr, rids: list.rids };
}

/**
 * The revocation list of the SHC key `kid`: current from the server when it answers, else the
 * copy saved the last time it did, else undefined (never checked for this key on this device).
 */
export async function loadShcRevocations(kid: string): Promise<RevocationList | undefined> {
  const lists = saved();
  const kept = lists.find((list) => list.kid === kid);
  if (navigator.onLine) {
    try {
      const fetchedAt = new Date().toISOString();
      const list = await currentList(kid, kept);
      const others = lists.filter((other) => other.kid !== kid);
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify([...others, { kid, ...list, fetchedAt }]));
      } catch {
        // Storage full: this answer is still current; only a later offline check loses it.
      }
      return { ids: new Set(list.rids), fetchedAt, live: true };
    } catch {
      // Offline in all but name (captive portal, server down): fall back to the saved copy.
    }
  }
  return kept && { ids: new Set(kept.rids), fetchedAt: kept.fetchedAt, live: false };
}
