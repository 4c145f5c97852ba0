import { randomUUID } from 'node:crypto';

import type { Config } from '../../config.js';
import { decryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { type AppError, Unauthorized } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Limits } from '../../platform/limits.js';
import type { RecordedMetrics } from '../../platform/metrics.js';
import type { AuditEvent, AuditService, RequestContext } from '../audit/service.js';
import type { EventBus } from '../events/module.js';
import { deliverOtpNow, queueSms } from '../notifications/sms.js';
import { decided } from './decided.js';
import { encryptMobile, MOBILE_PURPOSE, mobileRef } from './mobile.js';
import { newOtp, otpDigest, otpHash, otpMatches, smsBudgetLimiter } from './otp.js';
import type { CitizenAuthStore } from './store.js';
import type { AppBinding, CitizenClaims, CitizenTokens } from './tokens.js';

/** A registered app a login goes through (CoWIN v2 protected API): named in the SMS. */
export type LoginApp = AppBinding & { name: string };

/** CoWIN: at most 3 tries per OTP, then the transaction is dead. */
export const MAX_OTP_ATTEMPTS = 3;
const WINDOW_SECONDS = 15 * 60;
/** Expired OTP transactions are kept a day for investigation, then removed. */
const OTP_RETENTION_MS = 24 * 3600 * 1000;

const refused = (code: string, message: string) => new Unauthorized(message, code);

export function createCitizenAuthService({
  store,
  audit,
  keys,
  clock,
  limits,
  events,
  smsWaitMs,
  tokens,
  otpConfig,
  recorded,
}: {
  store: CitizenAuthStore;
  audit: AuditService;
  keys: KeyRing;
  clock: Clock;
  limits: Limits;
  events: Pick<EventBus, 'outbox' | 'deliverNow' | 'discard'>;
  /** How long a request waits for the SMS to be handed to the sender (TEEKA_SMS_WAIT_MS). */
  smsWaitMs: number;
  tokens: CitizenTokens;
  otpConfig: Config['otp'];
  /** The app's counters; a module built outside an app counts nothing. */
  recorded: Pick<RecordedMetrics, 'otpsSent'> | undefined;
}) {
  const perIp = limits.limiter({
    name: 'otp-send-ip',
    points: otpConfig.perIp,
    durationSeconds: WINDOW_SECONDS,
  });
  const perMobile = limits.limiter({
    name: 'otp-send-mobile',
    points: otpConfig.perMobile,
    durationSeconds: WINDOW_SECONDS,
  });
  const smsBudget = smsBudgetLimiter(limits, otpConfig.smsBudgetPerHour);
  const confirmsPerIp = limits.limiter({
    name: 'otp-confirm-ip',
    // Every OTP an address may request, with all its tries: more is guessing across txns.
    points: otpConfig.perIp * MAX_OTP_ATTEMPTS,
    durationSeconds: WINDOW_SECONDS,
  });

  return {
    /**
     * Sends an OTP to any well-formed mobile: whether the number has an account is never
     * looked at here, so the answer and its timing cannot tell.
     */
    async generateOtp(db: Db, mobile: string, context: RequestContext, app?: LoginApp) {
      const ref = mobileRef(keys, mobile);
      await perIp.consumeOrThrow(context.clientIp);
      await perMobile.consumeOrThrow(ref, 1, 'Too many OTPs for this mobile number; try later.');
      await smsBudget.consumeOrThrow('all', 1, 'OTP sending is briefly paused; try later.');

      const now = clock.now();
      const txnId = randomUUID();
      const otp = newOtp();
      const expiresAt = new Date(now.getTime() + otpConfig.ttlSeconds * 1000);
      const minutes = Math.round(otpConfig.ttlSeconds / 60);
      // The SMS is an outbox event of the same transaction: it goes out once the OTP exists.
      const smsEvent = await db.transaction().execute(async (tx) => {
        await store.deleteOtpsExpiredBefore(tx, new Date(now.getTime() - OTP_RETENTION_MS));
        await store.insertOtp(tx, {
          txn_id: txnId,
          mobile_ref: ref,
          mobile_enc: encryptMobile(keys, mobile),
          otp_hash: otpHash(keys, txnId, otpDigest(otp)).toString('base64url'),
          app_client_id: app?.clientId ?? null,
          created_at: now,
          expires_at: expiresAt,
        });
        await audit.record(
          tx,
          {
            actor: { type: 'anonymous' },
            action: 'citizen.otp.generate',
            subject: { type: 'citizen', id: ref },
            outcome: 'allowed',
            details: { txn_id: txnId },
          },
          context,
        );
        return queueSms(events.outbox, tx, ref, {
          to: mobile,
          // The app's name after the OTP: the person sees who asks, and the OTP stays first.
          text: `Your OTP to log in to Teeka is ${otp}. It is valid for ${minutes} minutes.${app ? ` Asked for in ${app.name}.` : ''} Do not share it with anyone.`,
          kind: 'otp',
          at: now.toISOString(),
          expiresAt: expiresAt.toISOString(),
        });
      });
      await deliverOtpNow(
        events,
        smsEvent,
        smsWaitMs,
        'The OTP could not be sent; try again shortly.',
      );
      recorded?.otpsSent.inc({ purpose: 'citizen-login' });
      return { txnId };
    },

    /** Checks the SHA-256 of the OTP against its transaction; a token on success. */
    async confirmOtp(
      db: Db,
      digest: string,
      txnId: string,
      context: RequestContext,
      app?: LoginApp,
    ) {
      await confirmsPerIp.consumeOrThrow(context.clientIp);
      const candidate = otpHash(keys, txnId, digest);
      const now = clock.now();
      const mobile = await decided(db, async (tx) => {
        const txn = await store.lockOtp(tx, txnId);
        const matches = otpMatches(txn?.otp_hash, candidate);
        const record = (outcome: AuditEvent['outcome'], reason?: string) =>
          audit.record(
            tx,
            {
              actor: { type: 'anonymous' },
              action: 'citizen.otp.confirm',
              subject: { type: 'citizen', id: txn?.mobile_ref ?? 'unknown' },
              outcome,
              ...(reason ? { reason } : {}),
              details: { txn_id: txnId },
            },
            context,
          );
        const deny = async (reason: string, error: AppError) => {
          await record('denied', reason);
          return { error };
        };
        if (!txn) {
          return deny('unknown-txn', refused('otp-invalid', 'This OTP transaction is not valid.'));
        }
        // Confirmed where it was asked for: through the same app, or publicly.
        if (txn.app_client_id !== (app?.clientId ?? null)) {
          return deny('other-app', refused('otp-invalid', 'This OTP transaction is not valid.'));
        }
        if (txn.status === 'used') {
          return deny(
            'reused',
            refused('otp-used', 'This OTP was already used; request a new one.'),
          );
        }
        if (txn.status === 'dead') {
          return deny(
            'dead',
            refused('otp-dead', 'This OTP can no longer be used; request a new one.'),
          );
        }
        if (txn.expires_at.getTime() <= now.getTime()) {
          await store.updateOtp(tx, txnId, { status: 'dead', attempts: txn.attempts });
          return deny(
            'expired',
            refused('otp-expired', 'This OTP has expired; request a new one.'),
          );
        }
        if (!matches) {
          const attempts = txn.attempts + 1;
          const exhausted = attempts >= MAX_OTP_ATTEMPTS;
          await store.updateOtp(tx, txnId, { status: exhausted ? 'dead' : 'pending', attempts });
          return deny(
            exhausted ? 'wrong-otp-last-try' : 'wrong-otp',
            exhausted
              ? refused(
                  'otp-attempts-exhausted',
                  'Wrong OTP, and no tries are left; request a new one.',
                )
              : refused(
                  'otp-wrong',
                  `Wrong OTP; ${MAX_OTP_ATTEMPTS - attempts} ${MAX_OTP_ATTEMPTS - attempts === 1 ? 'try' : 'tries'} left.`,
                ),
          );
        }
        await store.updateOtp(tx, txnId, { status: 'used', attempts: txn.attempts });
        await store.ensureAccount(tx, {
          mobile_ref: txn.mobile_ref,
          mobile_enc: txn.mobile_enc,
          created_at: now,
        });
        await record('allowed');
        return { value: txn.mobile_ref };
      });
      const { token } = await tokens.issue(
        mobile,
        app ? { clientId: app.clientId, keyId: app.keyId } : undefined,
      );
      return { token };
    },

    /** Revokes the token on every node (the revocation list is in the database). */
    async logout(db: Db, citizen: CitizenClaims, context: RequestContext) {
      await db.transaction().execute(async (tx) => {
        await store.deleteRevocationsExpiredBefore(tx, clock.now());
        await store.revoke(tx, citizen.tokenId, citizen.expiresAt);
        await audit.record(
          tx,
          {
            actor: { type: 'citizen', id: citizen.mobileRef },
            action: 'citizen.logout',
            outcome: 'allowed',
            details: { jti: citizen.tokenId },
          },
          context,
        );
      });
    },

    /** The last four digits of the citizen's mobile, for CoWIN's `mobile_number` field. */
    async mobileLast4(tx: Db, ref: string): Promise<string | undefined> {
      const account = await store.account(tx, ref);
      return account ? decryptField(keys, MOBILE_PURPOSE, account.mobile_enc).slice(-4) : undefined;
    },

    /**
     * Locks the citizen's account row until the transaction ends: whatever a caller counts
     * under it (beneficiaries per mobile) cannot change meanwhile. False if there is none.
     */
    async lockAccount(tx: Db, ref: string): Promise<boolean> {
      return (await store.lockAccount(tx, ref)) !== undefined;
    },

    /**
     * The account of `mobile`, made if new (a walk-in registered at a centre logs in later
     * with the same number), and locked until the transaction ends. Returns its reference.
     */
    async ensureAccountLocked(tx: Db, mobile: string): Promise<string> {
      const ref = mobileRef(keys, mobile);
      await store.ensureAccount(tx, {
        mobile_ref: ref,
        mobile_enc: encryptMobile(keys, mobile),
        created_at: clock.now(),
      });
      await store.lockAccount(tx, ref);
      return ref;
    },
  };
}

export type CitizenAuthService = ReturnType<typeof createCitizenAuthService>;
