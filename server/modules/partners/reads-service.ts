import type { Db } from '../../db/index.js';
import { type AppError, Forbidden, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import { withAudit } from '../audit/denied.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import type { CertificateService } from '../certificates/service.js';
import type { CertificateKind } from '../certificates/tables.js';
import type { EnumerationDetector } from './enumeration.js';
import { partnerActor, type PartnerCaller } from './guard.js';
import type { ConsentScope } from './scopes.js';
import type { PartnerStore } from './store.js';

/** CoWIN KYC-VS: 0 not vaccinated, 1 partially (a provisional certificate), 2 fully. */
const STATUS: Record<CertificateKind, 1 | 2> = { provisional: 1, final: 2, precaution: 2 };

export interface ConsentedRead {
  consent_id: string;
  beneficiary_reference_id: string;
}

/**
 * Reads of one person's data, each spending one use of a live consent that this client
 * holds, for this scope and this very beneficiary, and audited with the partner as actor
 * so that the person sees it in their access log.
 */
export function createReadService({
  store,
  audit,
  clock,
  certificates,
  enumeration,
}: {
  store: PartnerStore;
  audit: AuditService;
  clock: Clock;
  certificates: Pick<CertificateService, 'getCertificateForBeneficiary'>;
  enumeration: EnumerationDetector;
}) {
  /** Why no use could be spent; "not found" covers another client's consents too. */
  async function whyNot(tx: Db, caller: PartnerCaller, scope: ConsentScope, read: ConsentedRead) {
    const row = await store.consent(tx, read.consent_id);
    const now = clock.now();
    const [reason, error]: [string, AppError] =
      !row || row.client_id !== caller.clientId
        ? ['no-consent', new NotFound('There is no such consent.', 'consent-not-found')]
        : row.beneficiary_reference_id !== read.beneficiary_reference_id
          ? [
              'consent-for-another-person',
              new Forbidden('This consent was given for another person.', 'consent-other-person'),
            ]
          : row.scope !== scope
            ? [
                'consent-for-another-scope',
                new Forbidden(`This consent does not cover ${scope}.`, 'consent-wrong-scope'),
              ]
            : row.revoked_at
              ? [
                  'consent-revoked',
                  new Forbidden('The person revoked this consent.', 'consent-revoked'),
                ]
              : row.expires_at.getTime() <= now.getTime()
                ? ['consent-expired', new Forbidden('This consent has expired.', 'consent-expired')]
                : [
                    'consent-used-up',
                    new Forbidden('This consent has no uses left.', 'consent-used-up'),
                  ];
    return withAudit(error, {
      actor: partnerActor(caller),
      action: `partner.read.${scope.split(':')[0] ?? scope}`,
      subject: { type: 'beneficiary', id: read.beneficiary_reference_id },
      outcome: 'denied',
      reason,
      details: { consent_id: read.consent_id, scope },
    });
  }

  async function withConsent<T>(
    db: Db,
    caller: PartnerCaller,
    scope: ConsentScope,
    read: ConsentedRead,
    context: RequestContext,
    answer: (tx: Db) => Promise<T>,
  ): Promise<T> {
    await enumeration.track(
      caller,
      [{ kind: 'beneficiary', value: read.beneficiary_reference_id }],
      context,
    );
    return db.transaction().execute(async (tx) => {
      const spent = await store.spendConsent(
        tx,
        {
          consentId: read.consent_id,
          clientId: caller.clientId,
          scope,
          beneficiaryRef: read.beneficiary_reference_id,
        },
        clock.now(),
      );
      if (!spent) throw await whyNot(tx, caller, scope, read);
      const value = await answer(tx);
      await audit.record(
        tx,
        {
          actor: partnerActor(caller),
          action: `partner.read.${scope.split(':')[0] ?? scope}`,
          subject: { type: 'beneficiary', id: read.beneficiary_reference_id },
          outcome: 'allowed',
          details: { consent_id: read.consent_id, scope, uses_left: spent.uses_left },
        },
        context,
      );
      return value;
    });
  }

  return {
    /** {status, name as the certificate shows it}; no certificate: status 0 and no name. */
    vaccinationStatus: (db: Db, caller: PartnerCaller, read: ConsentedRead, ctx: RequestContext) =>
      withConsent(db, caller, 'vaccination-status:consented', read, ctx, async (tx) => {
        const current = await certificates.getCertificateForBeneficiary(
          tx,
          read.beneficiary_reference_id,
        );
        return current
          ? { status: STATUS[current.kind], name: current.credential.credentialSubject.name }
          : { status: 0 as const, name: null };
      }),

    /** The signed credential (its photo ID is already masked) and the QR text. */
    certificate: (db: Db, caller: PartnerCaller, read: ConsentedRead, ctx: RequestContext) =>
      withConsent(db, caller, 'certificate:consented', read, ctx, async (tx) => {
        const current = await certificates.getCertificateForBeneficiary(
          tx,
          read.beneficiary_reference_id,
        );
        if (!current) {
          throw new NotFound('This person has no certificate yet.', 'certificate-not-found');
        }
        return {
          certificate_id: current.certificateId,
          certificate: current.credential,
          qr_text: current.qrText,
        };
      }),
  };
}

export type ReadService = ReturnType<typeof createReadService>;
