import type { FastifyBaseLogger } from 'fastify';

import { blindIndex, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Forbidden } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import { withAudit } from '../audit/denied.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import { partnerActor, type PartnerCaller } from './guard.js';
import type { PartnerStore } from './store.js';
import type { SubjectKind } from './tables.js';

/** One identifier a partner named: counted by a keyed blind index, never kept in clear. */
export interface Subject {
  kind: SubjectKind;
  value: string;
}

/**
 * Enumeration detection: the distinct mobiles and the distinct beneficiary ids each client
 * asked about within the window. Past the limit (of either kind) the client is suspended in
 * the database, an alert is raised for the admin API, the event is logged at error level
 * (client id and counts only), and this and every later call is refused until an admin
 * reinstates the client. Counted in a transaction of its own, so the count and the
 * suspension stand even though the call that tripped it is refused.
 */
export function createEnumerationDetector({
  db,
  store,
  audit,
  keys,
  clock,
  log,
  limit,
  windowSeconds,
}: {
  db: Db;
  store: PartnerStore;
  audit: AuditService;
  keys: KeyRing;
  clock: Clock;
  log: FastifyBaseLogger;
  limit: number;
  windowSeconds: number;
}) {
  // The count only looks inside the window, so old rows are removed for space alone: at
  // most once a minute per client on this node, not on every call.
  const prunedAt = new Map<string, number>();
  const pruneDue = (clientId: string, now: Date) => {
    const last = prunedAt.get(clientId) ?? 0;
    if (now.getTime() - last < 60_000) return false;
    if (prunedAt.size > 10_000) prunedAt.clear();
    prunedAt.set(clientId, now.getTime());
    return true;
  };

  return {
    async track(caller: PartnerCaller, subjects: Subject[], context: RequestContext) {
      const now = clock.now();
      const since = new Date(now.getTime() - windowSeconds * 1000);
      const prune = pruneDue(caller.clientId, now);
      const tripped = await db.transaction().execute(async (tx) => {
        if (prune) await store.forgetSubjectsBefore(tx, caller.clientId, since);
        await store.touchSubjects(
          tx,
          caller.clientId,
          subjects.map((s) => ({
            kind: s.kind,
            key: blindIndex(keys, `partner-subject-${s.kind}`, `${caller.clientId}:${s.value}`),
          })),
          now,
        );
        const counts: Record<string, number> = {};
        for (const kind of new Set(subjects.map((s) => s.kind))) {
          counts[kind] = await store.subjectsSince(tx, caller.clientId, kind, since);
        }
        const over = Object.entries(counts).filter(([, n]) => n > limit);
        if (over.length === 0) return undefined;
        const suspended = await store.setStatus(
          tx,
          caller.clientId,
          ['active'],
          'suspended',
          'enumeration',
          now,
        );
        // Another call of the same client got here first; it raised the alert.
        if (!suspended) return { counts, first: false };
        const details = { limit, window_seconds: windowSeconds, ...counts };
        await store.insertAlert(tx, {
          client_id: caller.clientId,
          kind: 'enumeration',
          details: JSON.stringify(details),
          raised_at: now,
          resolved_at: null,
          resolved_by: null,
        });
        await audit.record(
          tx,
          {
            actor: { type: 'system', id: 'partners' },
            action: 'partner.client.suspend',
            subject: { type: 'partner-client', id: caller.clientId },
            outcome: 'allowed',
            reason: 'enumeration',
            details,
          },
          context,
        );
        return { counts, first: true };
      });
      if (!tripped) return;
      if (tripped.first) {
        log.error(
          {
            partner: { clientId: caller.clientId, ...tripped.counts },
            limit,
            windowSeconds,
          },
          'partner client suspended: it asked about more distinct persons than allowed',
        );
      }
      throw withAudit(
        new Forbidden(
          'This partner client is suspended; its administrators have been alerted.',
          'partner-suspended',
        ),
        {
          actor: partnerActor(caller),
          action: 'partner.call',
          outcome: 'denied',
          reason: 'enumeration-detected',
          details: { scopes: caller.scopes.join(' ') },
        },
      );
    },
  };
}

export type EnumerationDetector = ReturnType<typeof createEnumerationDetector>;
