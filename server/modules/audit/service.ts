import type { Db } from '../../db/index.js';
import type { createAuditStore } from './store.js';
import type { ActorType, AuditOutcome } from './tables.js';

export interface AuditActor {
  type: ActorType;
  /** A pseudonymous reference: staff id, partner client id, citizen mobile reference. Never a mobile number or name. */
  id?: string | null;
  role?: string | null;
  jurisdiction?: string | null;
}

export interface RequestContext {
  requestId: string;
  clientIp: string;
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
  return {
    /** Records one event inside the caller's transaction: no action without its record. */
    async record(tx: Db, event: AuditEvent, context?: RequestContext): Promise<void> {
      await store.insert(tx, {
        actor_type: event.actor.type,
        actor_id: event.actor.id ?? null,
        actor_role: event.actor.role ?? null,
        jurisdiction: event.actor.jurisdiction ?? null,
        action: event.action,
        subject_type: event.subject?.type ?? null,
        subject_id: event.subject?.id ?? null,
        outcome: event.outcome,
        reason: event.reason ?? null,
        request_id: context?.requestId ?? null,
        client_ip: context?.clientIp ?? null,
        details: JSON.stringify(event.details ?? {}),
      });
    },
  };
}
