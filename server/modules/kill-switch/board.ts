import type { Db } from '../../db/index.js';
import type { KillSwitchStore, SwitchRow } from './store.js';
import { parseTarget, type Surface, surfaceOf, type Target } from './targets.js';

/** One switched-off target as a node holds it. */
export interface SwitchedOff {
  target: Target;
  name: string;
  surface: Surface;
  reason: string;
  since: Date;
  by: { type: 'staff' | 'system'; id: string | null };
}

export function switchedOffOf(row: SwitchRow): SwitchedOff | null {
  const target = parseTarget(row.target);
  if (!target) return null;
  return {
    target,
    name: row.target,
    surface: surfaceOf(target),
    reason: row.reason,
    since: row.switched_off_at,
    by: { type: row.actor_type, id: row.actor_id },
  };
}

interface Snapshot {
  version: number;
  whole: Map<Surface, SwitchedOff>;
  clients: Map<string, SwitchedOff>;
  scopes: Map<string, SwitchedOff>;
}

/**
 * This node's copy of the kill-switch state: every check a request makes is a lookup in
 * it, never a database or Redis round trip. `refresh` reloads it from the database (the
 * only source of truth); the sync decides when.
 */
export function createBoard({ db, store }: { db: Db; store: KillSwitchStore }) {
  let snapshot: Snapshot = {
    version: -1,
    whole: new Map(),
    clients: new Map(),
    scopes: new Map(),
  };

  async function load(): Promise<void> {
    // Version first: the rows read after it are at least that new, so a change that lands
    // in between only makes the next comparison reload once more.
    const version = await store.version(db);
    const rows = await store.rows(db);
    const next: Snapshot = { version, whole: new Map(), clients: new Map(), scopes: new Map() };
    for (const row of rows) {
      const off = switchedOffOf(row);
      if (!off) continue;
      if (off.target.kind === 'client') next.clients.set(off.target.clientId, off);
      else if (off.target.kind === 'scope') next.scopes.set(off.target.scope, off);
      else next.whole.set(off.surface, off);
    }
    snapshot = next;
  }

  // At most one load runs; a refresh asked for while one runs gets the one after it, which
  // starts after the asker's change committed.
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  function refresh(): Promise<void> {
    if (!running) {
      running = load().finally(() => (running = null));
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return refresh();
      });
    return queued;
  }

  return {
    refresh,
    version: () => snapshot.version,
    /** The switch that holds a whole surface off, if any. */
    surfaceOff: (surface: Surface): SwitchedOff | undefined => snapshot.whole.get(surface),
    /** The switch that refuses this partner call: all partners, its client, or its scope. */
    partnerOff(clientId?: string, scope?: string): SwitchedOff | undefined {
      return (
        snapshot.whole.get('partners') ??
        (clientId === undefined ? undefined : snapshot.clients.get(clientId)) ??
        (scope === undefined ? undefined : snapshot.scopes.get(scope))
      );
    },
  };
}

export type Board = ReturnType<typeof createBoard>;
