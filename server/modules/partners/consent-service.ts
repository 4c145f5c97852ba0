import { randomUUID } from 'node:crypto';

import type { Config } from '../../config.js';
import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { AppError, Forbidden, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Limits } from '../../platform/limits.js';
import type { RecordedMetrics } from '../../platform/metrics.js';
import { withAudit } from '../audit/denied.js';
import type { AuditEvent, AuditService, RequestContext } from '../audit/service.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import { decided } from '../citizen-auth/decided.js';
import { mobileRef } from '../citizen-auth/mobile.js';
import { newOtp, otpDigest, otpHash, otpMatches, smsBudgetLimiter } from '../citizen-auth/otp.js';
import { MAX_OTP_ATTEMPTS } from '../citizen-auth/service.js';
import type { EventBus } from '../events/module.js';
import { deliverOtpNow, queueSms } from '../notifications/sms.js';
import type { EnumerationDetector } from './enumeration.js';
import { partnerActor, type PartnerCaller } from './guard.js';
import type { ConsentRequest } from './schemas.js';
import { CONSENT_WORDING, type ConsentScope } from './scopes.js';
import type { PartnerStore } from './store.js';

const WINDOW_SECONDS = 15 * 60;
/** Spent and expired consent requests are kept a day for investigation, then removed. */
const REQUEST_RETENTION_MS = 24 * 3600 * 1000;

const refused = (code: string, message: string) => new Forbidden(message, code);

/** The consent's scope must be one this call's token holds (the guard let in either). */
function requireScope(caller: PartnerCaller, scope: ConsentScope) {
  if (!caller.scopes.includes(scope)) {
    throw withAudit(new Forbidden(`This call needs the scope ${scope}.`, 'insufficient-scope'), {
      actor: partnerActor(caller),
      action: 'partner.consent.request',
      outcome: 'denied',
      reason: 'scope-not-granted',
      details: { scope },
    });
  }
}

/**
 * Consent by OTP: the partner names a mobile and the beneficiary reference id the person
 * gave it; Teeka texts that mobile an OTP naming the partner, the purpose and the last
 * digits of the beneficiary id; the person reads the OTP out to the partner, who completes
 * the consent. The OTP machinery (CSPRNG digits, keyed hash bound to the request, constant-
 * time match, 3 tries) and the SMS delivery (an outbox event of the request's transaction,
 * handed on at once) are citizen login's own.
 */
export function createConsentService({
  store,
  audit,
  keys,
  clock,
  limits,
  events,
  smsWaitMs,
  beneficiaries,
  enumeration,
  otpConfig,
  recorded,
}: {
  store: PartnerStore;
  audit: AuditService;
  keys: KeyRing;
  clock: Clock;
  limits: Limits;
  events: Pick<EventBus, 'outbox' | 'deliverNow' | 'discard'>;
  /** How long a request waits for the SMS to be handed to the sender (TEEKA_SMS_WAIT_MS). */
  smsWaitMs: number;
  beneficiaries: BeneficiaryService;
  enumeration: EnumerationDetector;
  otpConfig: Config['otp'];
  recorded: Pick<RecordedMetrics, 'otpsSent'>;
}) {
  // Consent SMS to one mobile from all partners together, as many as login OTPs but
  // counted apart, so that partners can neither bomb a phone nor spend its login budget.
  const perMobile = limits.limiter({
    name: 'partner-consent-mobile',
    points: otpConfig.perMobile,
    durationSeconds: WINDOW_SECONDS,
  });
  // The same budget as citizen login's: one for the whole deployment.
  const smsBudget = smsBudgetLimiter(limits, otpConfig.smsBudgetPerHour);

  return {
    /**
     * The same answer, with the same work done, whether or not the mobile is registered or
     * the beneficiary id is under it: only the person holding the phone learns that.
     */
    async request(db: Db, caller: PartnerCaller, input: ConsentRequest, context: RequestContext) {
      requireScope(caller, input.scope);
      await enumeration.track(
        caller,
        [
          { kind: 'mobile', value: input.mobile },
          { kind: 'beneficiary', value: input.beneficiary_reference_id },
        ],
        context,
      );
      const ref = mobileRef(keys, input.mobile);
      await perMobile.consumeOrThrow(
        ref,
        1,
        'Too many consent requests for this mobile; try later.',
      );
      await smsBudget.consumeOrThrow('all', 1, 'SMS sending is briefly paused; try later.');

      const now = clock.now();
      const requestId = randomUUID();
      const otp = newOtp();
      const expiresAt = new Date(now.getTime() + otpConfig.ttlSeconds * 1000);
      const minutes = Math.max(1, Math.round(otpConfig.ttlSeconds / 60));
      const text =
        `Teeka: ${caller.name} asks your consent to ${CONSENT_WORDING[input.scope]} ` +
        `(beneficiary ID ending ${input.beneficiary_reference_id.slice(-4)}) for: ${input.purpose}. ` +
        `OTP ${otp}, valid ${minutes} min. Share it with ${caller.name} only if you agree.`;
      // The SMS is an outbox event of the same transaction: it goes out once the request exists.
      const smsEvent = await db.transaction().execute(async (tx) => {
        await store.deleteConsentRequestsExpiredBefore(
          tx,
          new Date(now.getTime() - REQUEST_RETENTION_MS),
        );
        await store.insertConsentRequest(tx, {
          request_id: requestId,
          client_id: caller.clientId,
          mobile_ref: ref,
          beneficiary_reference_id: input.beneficiary_reference_id,
          scope: input.scope,
          purpose: input.purpose,
          valid_seconds: input.valid_for_minutes * 60,
          max_uses: input.uses,
          otp_hash: otpHash(keys, requestId, otpDigest(otp)).toString('base64url'),
          created_at: now,
          expires_at: expiresAt,
        });
        await audit.record(
          tx,
          {
            actor: partnerActor(caller),
            action: 'partner.consent.request',
            subject: { type: 'citizen', id: ref },
            outcome: 'allowed',
            details: { request_id: requestId, scope: input.scope },
          },
          context,
        );
        return queueSms(events.outbox, tx, ref, {
          to: input.mobile,
          text,
          kind: 'otp',
          at: now.toISOString(),
          expiresAt: expiresAt.toISOString(),
        });
      });
      await deliverOtpNow(
        events,
        smsEvent,
        smsWaitMs,
        'The consent SMS could not be sent; try again shortly.',
      );
      recorded.otpsSent.inc({ purpose: 'partner-consent' });
      return { request_id: requestId, otp_expires_at: expiresAt.toISOString() };
    },

    /** The OTP the person read out -> a consent artefact; refusals are kept (spent tries). */
    async complete(
      db: Db,
      caller: PartnerCaller,
      { request_id: requestId, otp }: { request_id: string; otp: string },
      context: RequestContext,
    ) {
      const candidate = otpHash(keys, requestId, otpDigest(otp));
      const now = clock.now();
      return decided(db, async (tx) => {
        const found = await store.lockConsentRequest(tx, requestId);
        // Another partner's request is treated as no request at all.
        const pending = found?.client_id === caller.clientId ? found : undefined;
        const matches = otpMatches(pending?.otp_hash, candidate);
        const record = (
          outcome: AuditEvent['outcome'],
          reason?: string,
          subject?: AuditEvent['subject'],
          details: AuditEvent['details'] = {},
        ) =>
          audit.record(
            tx,
            {
              actor: partnerActor(caller),
              action: 'partner.consent.grant',
              subject: subject ?? { type: 'citizen', id: pending?.mobile_ref ?? 'unknown' },
              outcome,
              ...(reason ? { reason } : {}),
              details: { request_id: requestId, ...details },
            },
            context,
          );
        const deny = async (reason: string, error: AppError) => {
          await record('denied', reason);
          return { error };
        };
        if (!pending) {
          return deny(
            'unknown-request',
            new NotFound('There is no such consent request.', 'consent-request-not-found'),
          );
        }
        if (!caller.scopes.includes(pending.scope)) {
          return deny(
            'scope-not-granted',
            new Forbidden(
              `Completing this consent needs the scope ${pending.scope}.`,
              'insufficient-scope',
            ),
          );
        }
        if (pending.status === 'used') {
          return deny('reused', refused('consent-otp-used', 'This OTP was already used.'));
        }
        if (pending.status === 'dead') {
          return deny(
            'dead',
            refused(
              'consent-otp-dead',
              'This consent request can no longer be completed; ask again.',
            ),
          );
        }
        if (pending.expires_at.getTime() <= now.getTime()) {
          await store.updateConsentRequest(tx, requestId, {
            status: 'dead',
            attempts: pending.attempts,
          });
          return deny(
            'expired',
            refused('consent-otp-expired', 'This OTP has expired; ask again.'),
          );
        }
        if (!matches) {
          const attempts = pending.attempts + 1;
          const exhausted = attempts >= MAX_OTP_ATTEMPTS;
          await store.updateConsentRequest(tx, requestId, {
            status: exhausted ? 'dead' : 'pending',
            attempts,
          });
          const left = MAX_OTP_ATTEMPTS - attempts;
          return deny(
            exhausted ? 'wrong-otp-last-try' : 'wrong-otp',
            exhausted
              ? refused(
                  'consent-otp-attempts-exhausted',
                  'Wrong OTP, and no tries are left; ask again.',
                )
              : refused(
                  'consent-otp-wrong',
                  `Wrong OTP; ${left} ${left === 1 ? 'try' : 'tries'} left.`,
                ),
          );
        }
        await store.updateConsentRequest(tx, requestId, {
          status: 'used',
          attempts: pending.attempts,
        });
        // The OTP proves the person holds this mobile, as a citizen login does; the
        // beneficiary must be one of theirs.
        try {
          await beneficiaries.requireOwned(
            tx,
            {
              mobileRef: pending.mobile_ref,
              tokenId: `consent:${requestId}`,
              expiresAt: pending.expires_at,
            },
            [pending.beneficiary_reference_id],
          );
        } catch (error) {
          if (error instanceof AppError && error.code === 'beneficiary-not-found') {
            return deny(
              'beneficiary-not-under-mobile',
              new NotFound(
                'No beneficiary with this reference id is registered under this mobile number.',
                'consent-beneficiary-not-found',
              ),
            );
          }
          throw error;
        }
        const consentId = randomUUID();
        const expiresAt = new Date(now.getTime() + pending.valid_seconds * 1000);
        await store.insertConsent(tx, {
          consent_id: consentId,
          client_id: caller.clientId,
          mobile_ref: pending.mobile_ref,
          beneficiary_reference_id: pending.beneficiary_reference_id,
          scope: pending.scope,
          purpose: pending.purpose,
          max_uses: pending.max_uses,
          uses_left: pending.max_uses,
          created_at: now,
          expires_at: expiresAt,
          revoked_at: null,
        });
        await record(
          'allowed',
          undefined,
          { type: 'beneficiary', id: pending.beneficiary_reference_id },
          {
            consent_id: consentId,
            scope: pending.scope,
            uses: pending.max_uses,
          },
        );
        return {
          value: {
            consent_id: consentId,
            beneficiary_reference_id: pending.beneficiary_reference_id,
            partner: caller.name,
            scope: pending.scope as ConsentScope,
            purpose: pending.purpose,
            expires_at: expiresAt.toISOString(),
            uses_left: pending.max_uses,
          },
        };
      });
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;
