import type { Db } from '../../db/index.js';
import { TRAIL_PAGE_DEFAULT, type TrailQuery, type TrailRecord } from './schemas.js';
import type { createAuditStore } from './store.js';
import type { ActorType, AuditOutcome } from './tables.js';

export interface AuditActor {
  type: ActorType;
  /** A pseudonymous reference: staff id, partner client id, citizen mobile reference. Never a mobile number or name. */
  id?: string | null;
  role?: string | null;
  jurisdiction?: string | null;
  /** The facility or partner name the actor acts for (shown to citizens in their access log). */
  organisation?: string | null;
}

export interface RequestContext {
  requestId: string;
  clientIp: string;
  /** The registered app (partner client id) the call came through, if any. */
  app?: string;
}

export interface AuditEvent {
  actor: AuditActor;
  action: string;
  /** Pseudonymous references only: beneficiary reference id, appointment id, centre id. */
  subject?: { type: string; id: string };
  outcome: AuditOutcome;
  reason?: string;
  /** Non-identifying facts about the action (counts, ids of records, scopes). */
  details?: Record<string, string | number | boolean | null>;
}

export type AuditService = ReturnType<typeof createAuditService>;

export function createAuditService({ store }: { store: ReturnType<typeof createAuditStore> }) {
  const service = {
    /** Records one event inside the caller's transaction: no action without its record. */
    async record(tx: Db, event: AuditEvent, context?: RequestContext): Promise<void> {
      await store.insert(tx, {
        actor_type: event.actor.type,
        actor_id: event.actor.id ?? null,
        actor_role: event.actor.role ?? null,
        jurisdiction: event.actor.jurisdiction ?? null,
        actor_org: event.actor.organisation ?? null,
        action: event.action,
        subject_type: event.subject?.type ?? null,
        subject_id: event.subject?.id ?? null,
        outcome: event.outcome,
        reason: event.reason ?? null,
        request_id: context?.requestId ?? null,
        client_ip: context?.clientIp ?? null,
        // A call through a registered app names it on every event it causes.
        details: JSON.stringify({
          ...(event.details ?? {}),
          ...(context?.app ? { via_app: context.app } : {}),
        }),
      });
    },

    /**
     * Who read or changed these beneficiaries' records, newest first: the actor's role and
     * organisation, never the actor's id or any other person's data. The caller passes only
     * references it has proven belong to the citizen asking.
     */
    async accessLog(tx: Db, beneficiaryRefs: string[], limit = 500): Promise<AccessLogEntry[]> {
      const rows = await store.accessToSubjects(tx, 'beneficiary', beneficiaryRefs, limit);
      return rows.map((row) => ({
        beneficiaryRef: row.subject_id as string,
        at: row.at.toISOString(),
        action: row.action,
        outcome: row.outcome,
        reason: row.reason,
        actor: { type: row.actor_type, role: row.actor_role, organisation: row.actor_org },
      }));
    },

    /**
     * A page of the trail, newest first, for a reader the caller has already allowed. The
     * read is itself recorded (after the page is read, so a page never holds its own read),
     * with the filters used and the number of records shown.
     */
    async readTrail(
      tx: Db,
      reader: AuditActor,
      { limit = TRAIL_PAGE_DEFAULT, ...filter }: TrailQuery,
      context?: RequestContext,
    ): Promise<{ records: TrailRecord[]; next: number | null }> {
      const rows = await store.trailPage(tx, filter, limit + 1);
      const records = rows.slice(0, limit);
      await service.record(
        tx,
        {
          actor: reader,
          action: 'audit.trail.read',
          outcome: 'allowed',
          details: { ...filter, limit, records: records.length },
        },
        context,
      );
      return { records, next: rows.length > limit ? (records.at(-1)?.id ?? null) : null };
    },
  };
  return service;
}

export interface AccessLogEntry {
  beneficiaryRef: string;
  at: string;
  action: string;
  outcome: AuditOutcome;
  reason: string | null;
  actor: { type: ActorType; role: string | null; organisation: string | null };
}
