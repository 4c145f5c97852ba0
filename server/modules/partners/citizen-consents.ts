import type { Db } from '../../db/index.js';
import { NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import { withAudit } from '../audit/denied.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import type { Citizen } from '../citizen-auth/guard.js';
import type { ConsentScope } from './scopes.js';
import type { PartnerStore } from './store.js';

/** The person's side: every consent given from their mobile, and revoking one at once. */
export function createCitizenConsents({
  store,
  audit,
  clock,
}: {
  store: PartnerStore;
  audit: AuditService;
  clock: Clock;
}) {
  return {
    async list(db: Db, citizen: Citizen) {
      const now = clock.now().getTime();
      const rows = await store.consentsOf(db, citizen.mobileRef);
      return {
        consents: rows.map((row) => ({
          consent_id: row.consent_id,
          beneficiary_reference_id: row.beneficiary_reference_id,
          partner: row.partner,
          scope: row.scope as ConsentScope,
          purpose: row.purpose,
          created_at: row.created_at.toISOString(),
          expires_at: row.expires_at.toISOString(),
          uses_left: row.uses_left,
          status: row.revoked_at
            ? ('revoked' as const)
            : row.expires_at.getTime() <= now
              ? ('expired' as const)
              : row.uses_left === 0
                ? ('used-up' as const)
                : ('active' as const),
        })),
      };
    },

    /** Another person's consent, an unknown id and one already revoked all answer 404. */
    async revoke(db: Db, citizen: Citizen, consentId: string, context: RequestContext) {
      await db.transaction().execute(async (tx) => {
        const revoked = await store.revokeConsent(tx, consentId, citizen.mobileRef, clock.now());
        if (!revoked) {
          throw withAudit(new NotFound('You have no such live consent.', 'consent-not-found'), {
            actor: { type: 'citizen', id: citizen.mobileRef },
            action: 'partner.consent.revoke',
            outcome: 'denied',
            reason: 'not-owned-or-not-live',
            details: { consent_id: consentId },
          });
        }
        await audit.record(
          tx,
          {
            actor: { type: 'citizen', id: citizen.mobileRef },
            action: 'partner.consent.revoke',
            subject: { type: 'beneficiary', id: revoked.beneficiary_reference_id },
            outcome: 'allowed',
            details: { consent_id: consentId, client_id: revoked.client_id, scope: revoked.scope },
          },
          context,
        );
      });
    },
  };
}

export type CitizenConsents = ReturnType<typeof createCitizenConsents>;
