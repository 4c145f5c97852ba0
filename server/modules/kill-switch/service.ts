import type { Db } from '../../db/index.js';
import type { AuditActor, AuditService, RequestContext } from '../audit/service.js';
import { type SwitchedOff, switchedOffOf } from './board.js';
import type { KillSwitchStore } from './store.js';
import { surfaceOf, type Target, targetName } from './targets.js';

export interface SwitchChange {
  target: Target;
  /** "on": the kill switch is engaged and the target's calls are refused; "off": they work again. */
  killSwitch: 'on' | 'off';
  reason: string;
}

/** Who switches: a staff member through the admin API, or the operator's shell (`teeka kill-switch`). */
export type SwitchActor = AuditActor & { type: 'staff' | 'system' };

export interface SwitchStatus {
  version: number;
  switchedOff: SwitchedOff[];
}

export function createKillSwitchService({
  store,
  audit,
  now,
  announce,
}: {
  store: KillSwitchStore;
  audit: AuditService;
  now: () => Date;
  /** After the change commits: make it effective here and on every other node. */
  announce: (version: number) => Promise<void>;
}) {
  async function status(db: Db): Promise<SwitchStatus> {
    const version = await store.version(db);
    const rows = await store.rows(db);
    return {
      version,
      switchedOff: rows.map(switchedOffOf).filter((off): off is SwitchedOff => off !== null),
    };
  }

  return {
    status,

    /**
     * Switches one target off or back on, in one transaction with its audit record;
     * `authorize` runs first inside it (the admin API's role and step-up checks). Asking for
     * the state a target is in already changes nothing, and is recorded as such.
     */
    async change(
      db: Db,
      change: SwitchChange,
      actor: SwitchActor,
      context?: RequestContext,
      authorize: (tx: Db) => Promise<void> = () => Promise.resolve(),
    ): Promise<{ changed: boolean; status: SwitchStatus }> {
      const name = targetName(change.target);
      const { changed, version } = await db.transaction().execute(async (tx) => {
        await authorize(tx);
        const moved =
          change.killSwitch === 'on'
            ? await store.insert(tx, {
                target: name,
                reason: change.reason,
                switched_off_at: now(),
                actor_type: actor.type,
                actor_id: actor.id ?? null,
              })
            : await store.remove(tx, name);
        const version = moved ? await store.bump(tx) : await store.version(tx);
        await audit.record(
          tx,
          {
            actor,
            action: change.killSwitch === 'on' ? 'kill-switch.engage' : 'kill-switch.release',
            subject: { type: 'kill-switch', id: name },
            outcome: 'allowed',
            reason: change.reason,
            details: {
              target: name,
              surface: surfaceOf(change.target),
              changed: moved !== null,
              version,
            },
          },
          context,
        );
        return { changed: moved !== null, version };
      });
      if (changed) await announce(version);
      return { changed, status: await status(db) };
    },
  };
}

export type KillSwitchService = ReturnType<typeof createKillSwitchService>;
