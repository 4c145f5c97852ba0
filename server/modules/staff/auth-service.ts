import { decryptField, encryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Forbidden, Invalid, RateLimited, Unauthorized } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import { withAudit } from '../audit/denied.js';
import type { AuditEvent, AuditService, RequestContext } from '../audit/service.js';
import { staffActor, type StaffPrincipal } from './access.js';
import {
  checkPasswordRules,
  dummyHash,
  hashPassword,
  newToken,
  newTotpSecret,
  otpauthUrl,
  sameToken,
  tokenHash,
  totpStep,
  verifyPassword,
} from './credentials.js';
import type { StaffStore } from './store.js';
import type { LoginThrottle } from './throttle.js';

/** ASVS 5.0 V7.3: 30 minutes idle, 12 hours at most, for cookies and API tokens alike. */
export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 12 * 3_600_000;
/**
 * A session's last use is written at most this often: a busy vaccinator's requests would
 * otherwise all queue on one row. Idle time is counted from the last write, so a session
 * may end up to this much before 30 minutes of true idleness, never after.
 */
export const LAST_SEEN_STEP_MS = 15_000;
/** A sensitive action needs a second factor proven within this window. */
export const STEP_UP_MS = 5 * 60_000;
export const ENROLMENT_MS = 24 * 3_600_000;
/** A forced reset hands out a short link right after the old credentials were proven. */
export const RESET_LINK_MS = 15 * 60_000;

const TOTP_PURPOSE = 'staff-totp';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface LoginInput {
  username: string;
  password: string;
  code: string;
  mode: 'cookie' | 'bearer';
}

export type LoginResult =
  | { status: 'signed-in'; token: string; csrfToken: string | null; expiresAt: Date }
  | { status: 'reset-required'; enrolmentToken: string; expiresAt: Date };

/** The one answer for an unknown name, a wrong password and a wrong or reused code. */
const loginFailed = () =>
  new Unauthorized('The username, password or code is wrong.', 'login-failed');

export function createAuthService({
  db,
  store,
  audit,
  clock,
  keys,
  throttle,
}: {
  db: Db;
  store: StaffStore;
  audit: AuditService;
  clock: Clock;
  keys: KeyRing;
  throttle: LoginThrottle;
}) {
  const failure = (reason: string, staffId: string | null, action = 'staff.login') =>
    withAudit(loginFailed(), {
      actor: staffId ? { type: 'staff', id: staffId } : { type: 'anonymous' },
      action,
      outcome: 'failed',
      reason,
      ...(staffId ? { subject: { type: 'staff', id: staffId } } : {}),
    });

  /** An account acting on itself (enrolment, a login that must reset first). */
  const bySelf = (
    tx: Db,
    staffId: string,
    action: string,
    context: RequestContext,
    rest: Pick<AuditEvent, 'outcome' | 'reason' | 'details'>,
  ) =>
    audit.record(
      tx,
      {
        actor: { type: 'staff', id: staffId },
        action,
        subject: { type: 'staff', id: staffId },
        ...rest,
      },
      context,
    );

  async function openLink(tx: Db, token: string) {
    const link = await store.enrolmentForUpdate(tx, tokenHash(token));
    const account = link ? await store.account(tx, link.staff_id) : undefined;
    const refuse = (reason: string, message: string) =>
      withAudit(new Invalid(message, reason), {
        actor: account ? { type: 'staff', id: account.staff_id } : { type: 'anonymous' },
        action: 'staff.enrolment',
        outcome: 'failed',
        reason,
        ...(account ? { subject: { type: 'staff', id: account.staff_id } } : {}),
      });
    if (!link || !account) throw refuse('enrolment-link-invalid', 'This link is not valid.');
    if (link.used_at) throw refuse('enrolment-link-used', 'This link has already been used.');
    if (link.expires_at.getTime() <= clock.now().getTime())
      throw refuse('enrolment-link-expired', 'This link has expired; ask an admin for a new one.');
    if (account.status === 'disabled')
      throw refuse('enrolment-link-invalid', 'This link is not valid.');
    return { link, account, refuse };
  }

  return {
    /**
     * Password, then second factor. The throttle is checked before any argon2 work; an
     * unknown name costs the same argon2 verify as a known one.
     */
    async login(input: LoginInput, context: RequestContext, presentedToken: string | null) {
      const username = input.username.toLowerCase();
      try {
        await throttle.check(username, context.clientIp);
      } catch (error) {
        if (error instanceof RateLimited)
          throw withAudit(error, {
            actor: { type: 'anonymous' },
            action: 'staff.login',
            outcome: 'denied',
            reason: 'throttled',
          });
        throw error;
      }
      const account = await store.accountByUsername(db, username);
      const usable = account?.status === 'active' && account.password_hash && account.totp_secret;
      const passwordOk = await verifyPassword(
        usable ? (account.password_hash ?? '') : await dummyHash(),
        input.password,
      );
      if (!usable || !passwordOk) {
        await throttle.failed(username, context.clientIp);
        throw failure(
          !account ? 'unknown-account' : !usable ? `account-${account.status}` : 'wrong-password',
          account?.staff_id ?? null,
        );
      }
      const step = totpStep(
        decryptField(keys, TOTP_PURPOSE, account.totp_secret ?? ''),
        input.code,
        clock.now(),
      );
      if (step === null) {
        await throttle.failed(username, context.clientIp);
        throw failure('wrong-code', account.staff_id);
      }
      const now = clock.now();
      const result = await db.transaction().execute(async (tx): Promise<LoginResult> => {
        if (!(await store.consumeTotpStep(tx, account.staff_id, step))) {
          throw failure('code-reused', account.staff_id);
        }
        if (account.must_reset) {
          const enrolmentToken = newToken();
          const expiresAt = new Date(now.getTime() + RESET_LINK_MS);
          await store.closeEnrolments(tx, [account.staff_id], now);
          await store.insertEnrolment(tx, {
            token_hash: tokenHash(enrolmentToken),
            staff_id: account.staff_id,
            purpose: 'reset',
            pending_totp_secret: null,
            created_at: now,
            expires_at: expiresAt,
            used_at: null,
          });
          await bySelf(tx, account.staff_id, 'staff.login', context, {
            outcome: 'denied',
            reason: 'reset-required',
          });
          return { status: 'reset-required', enrolmentToken, expiresAt };
        }
        // A new session id at every login; a session the browser still presented ends.
        if (presentedToken) await store.revokeSession(tx, tokenHash(presentedToken), now);
        const token = newToken();
        const csrfToken = input.mode === 'cookie' ? newToken() : null;
        await store.insertSession(tx, {
          token_hash: tokenHash(token),
          staff_id: account.staff_id,
          kind: input.mode,
          csrf_hash: csrfToken ? tokenHash(csrfToken) : null,
          created_at: now,
          last_seen_at: now,
          second_factor_at: now,
          revoked_at: null,
        });
        const grants = (await store.grantsOf(tx, [account.staff_id])).get(account.staff_id) ?? [];
        await audit.record(
          tx,
          {
            actor: staffActor({ id: account.staff_id, grants }),
            action: 'staff.login',
            subject: { type: 'staff', id: account.staff_id },
            outcome: 'allowed',
            details: { mode: input.mode },
          },
          context,
        );
        return {
          status: 'signed-in',
          token,
          csrfToken,
          expiresAt: new Date(now.getTime() + ABSOLUTE_MS),
        };
      });
      await throttle.clear(username);
      return result;
    },

    /** Resolves a session cookie or bearer token to its caller, or throws 401/403. */
    async authenticate(
      token: string,
      kind: 'cookie' | 'bearer',
      request: { method: string; csrfToken: string | undefined },
    ): Promise<StaffPrincipal> {
      const now = clock.now();
      const session = await store.session(db, tokenHash(token));
      const expired =
        !session ||
        session.kind !== kind ||
        session.revoked_at !== null ||
        session.status !== 'active' ||
        session.must_reset ||
        now.getTime() - session.last_seen_at.getTime() > IDLE_MS ||
        now.getTime() - session.created_at.getTime() > ABSOLUTE_MS;
      if (expired) throw new Unauthorized('Sign in again.', 'session-invalid');
      if (
        kind === 'cookie' &&
        !SAFE_METHODS.has(request.method) &&
        !(request.csrfToken && session.csrf_hash && sameToken(request.csrfToken, session.csrf_hash))
      ) {
        throw new Forbidden('The x-csrf-token header is missing or wrong.', 'csrf-token-invalid');
      }
      if (now.getTime() - session.last_seen_at.getTime() >= LAST_SEEN_STEP_MS) {
        await store.updateSession(db, session.token_hash, { last_seen_at: now });
      }
      const grants = (await store.grantsOf(db, [session.staff_id])).get(session.staff_id) ?? [];
      return {
        id: session.staff_id,
        grants,
        secondFactorAt: session.second_factor_at,
        via: kind,
      };
    },

    async logout(token: string, staff: StaffPrincipal, context: RequestContext) {
      await db.transaction().execute(async (tx) => {
        await store.revokeSession(tx, tokenHash(token), clock.now());
        await audit.record(
          tx,
          { actor: staffActor(staff), action: 'staff.logout', outcome: 'allowed' },
          context,
        );
      });
    },

    /** Proves the second factor again, for the sensitive actions that need it fresh. */
    async stepUp(token: string, staff: StaffPrincipal, code: string, context: RequestContext) {
      const account = await store.account(db, staff.id);
      const key = account?.username ?? staff.id;
      await throttle.check(key, context.clientIp);
      const step = account?.totp_secret
        ? totpStep(decryptField(keys, TOTP_PURPOSE, account.totp_secret), code, clock.now())
        : null;
      if (step === null) {
        await throttle.failed(key, context.clientIp);
        throw failure('wrong-code', staff.id, 'staff.step-up');
      }
      const now = clock.now();
      await db.transaction().execute(async (tx) => {
        if (!(await store.consumeTotpStep(tx, staff.id, step)))
          throw failure('code-reused', staff.id, 'staff.step-up');
        await store.updateSession(tx, tokenHash(token), { second_factor_at: now });
        await audit.record(
          tx,
          { actor: staffActor(staff), action: 'staff.step-up', outcome: 'allowed' },
          context,
        );
      });
      return { secondFactorAt: now, validUntil: new Date(now.getTime() + STEP_UP_MS) };
    },

    /** Step 1 of enrolment (or a forced reset): a new TOTP secret for the holder of the link. */
    async startEnrolment(token: string, context: RequestContext) {
      return db.transaction().execute(async (tx) => {
        const { link, account } = await openLink(tx, token);
        const secret = newTotpSecret();
        await store.updateEnrolment(tx, link.token_hash, {
          pending_totp_secret: encryptField(keys, TOTP_PURPOSE, secret),
        });
        await bySelf(tx, account.staff_id, 'staff.enrolment.start', context, {
          outcome: 'allowed',
          details: { purpose: link.purpose },
        });
        return {
          username: account.username,
          totpSecret: secret,
          otpauthUrl: otpauthUrl(account.username, secret),
          expiresAt: link.expires_at,
        };
      });
    },

    /** Step 2: the new password and a code from the new secret; the link is then spent. */
    async completeEnrolment(
      input: { token: string; password: string; code: string },
      context: RequestContext,
    ) {
      await db.transaction().execute(async (tx) => {
        const { link, account, refuse } = await openLink(tx, input.token);
        try {
          checkPasswordRules(input.password);
        } catch (error) {
          if (error instanceof Invalid) throw refuse(error.code, error.message);
          throw error;
        }
        if (link.purpose === 'reset' && account.password_hash) {
          if (await verifyPassword(account.password_hash, input.password))
            throw refuse('password-unchanged', 'Choose a password you have not used here before.');
        }
        if (!link.pending_totp_secret)
          throw refuse('enrolment-not-started', 'Start the enrolment first to get a TOTP secret.');
        const now = clock.now();
        const step = totpStep(
          decryptField(keys, TOTP_PURPOSE, link.pending_totp_secret),
          input.code,
          now,
        );
        if (step === null) throw refuse('wrong-code', 'The code does not match the new secret.');
        await store.updateAccount(tx, account.staff_id, {
          password_hash: await hashPassword(input.password),
          totp_secret: link.pending_totp_secret,
          totp_last_step: step,
          status: 'active',
          must_reset: false,
          password_changed_at: now,
        });
        await store.closeEnrolments(tx, [account.staff_id], now);
        await store.revokeSessionsOf(tx, [account.staff_id], now);
        await bySelf(tx, account.staff_id, 'staff.enrolment.complete', context, {
          outcome: 'allowed',
          details: { purpose: link.purpose },
        });
      });
      return { status: 'enrolled' as const };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
