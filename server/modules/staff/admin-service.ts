import type { Db } from '../../db/index.js';
import { Conflict, Forbidden, Invalid } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import { withAudit } from '../audit/denied.js';
import type { AuditActor, AuditEvent, AuditService, RequestContext } from '../audit/service.js';
import { type Access, denied, staffActor, type StaffPrincipal, type Target } from './access.js';
import { ENROLMENT_MS, STEP_UP_MS } from './auth-service.js';
import { newToken, tokenHash } from './credentials.js';
import {
  ADMIN_ROLES,
  COUNTRY,
  type Grant,
  holdsOver,
  isAdminRole,
  mayGrant,
  placeLabel,
  type Role,
  roleFitsPlace,
} from './roles.js';
import type { StaffStore } from './store.js';
import type { LoginThrottle } from './throttle.js';

export type GrantInput = { role: Role } & (
  { country: true } | { stateId: number } | { districtId: number } | { centerId: number }
);

/** Whom a fleet-wide action reaches: everyone, one account, or everyone inside one place. */
export type Scope = { all: true } | { accountId: string } | Exclude<Target, 'country'>;

const SYSTEM: AuditActor = { type: 'system', id: 'cli' };

export function createAdminService({
  db,
  store,
  audit,
  clock,
  access,
  throttle,
  enrolmentUrl,
}: {
  db: Db;
  store: StaffStore;
  audit: AuditService;
  clock: Clock;
  access: Access;
  throttle: LoginThrottle;
  enrolmentUrl: (token: string) => string;
}) {
  const allowed = (
    tx: Db,
    actor: AuditActor,
    action: string,
    context: RequestContext | undefined,
    { subject, details }: { subject?: string; details?: AuditEvent['details'] } = {},
  ) =>
    audit.record(
      tx,
      {
        actor,
        action,
        outcome: 'allowed',
        ...(subject ? { subject: { type: 'staff', id: subject } } : {}),
        ...(details ? { details } : {}),
      },
      context,
    );

  /** Sensitive actions need a second factor proven within the last five minutes. */
  function requireStepUp(staff: StaffPrincipal, action: string) {
    if (clock.now().getTime() - staff.secondFactorAt.getTime() > STEP_UP_MS) {
      throw withAudit(
        new Forbidden(
          'This action needs a fresh second factor: confirm a code at /api/v1/staff/auth/step-up.',
          'step-up-required',
        ),
        { actor: staffActor(staff), action, outcome: 'denied', reason: 'step-up-required' },
      );
    }
  }

  async function resolveGrants(tx: Db, inputs: readonly GrantInput[]): Promise<Grant[]> {
    const targets = inputs.map((g): Target => ('country' in g ? 'country' : g));
    const places = await access.resolve(tx, targets);
    return inputs.map((input, i) => {
      const place = places[i];
      if (!place)
        throw new Invalid(`Grant ${i + 1} names a place that does not exist.`, 'unknown-place');
      if (!roleFitsPlace(input.role, place))
        throw new Invalid(
          `Grant ${i + 1}: ${input.role} cannot be held at ${placeLabel(place)}.`,
          'role-place-mismatch',
        );
      return { role: input.role, ...place };
    });
  }

  /** The caller may hand out every one of `grants`; otherwise a recorded 403. */
  function requireGrantable(staff: StaffPrincipal, grants: readonly Grant[], action: string) {
    const refused = grants.find((g) => !mayGrant(staff.grants, g));
    if (refused)
      throw denied(staff, action, 'escalation', {
        role: refused.role,
        place: placeLabel(refused),
      });
  }

  /** The target exists and every role it holds is one the caller could have granted. */
  async function requireManageable(tx: Db, staff: StaffPrincipal, staffId: string, action: string) {
    const account = await store.account(tx, staffId);
    const grants = (await store.grantsOf(tx, [staffId])).get(staffId) ?? [];
    const manageable =
      account !== undefined &&
      (grants.length > 0
        ? grants.every((g) => mayGrant(staff.grants, g))
        : holdsOver(staff.grants, ['national-admin'], COUNTRY));
    if (!manageable) throw denied(staff, action, 'outside-jurisdiction', { target: staffId });
    if (staffId === staff.id) throw denied(staff, action, 'self', { target: staffId });
    return { account, grants };
  }

  async function issueLink(tx: Db, staffId: string, purpose: 'enrol' | 'reset') {
    const now = clock.now();
    const token = newToken();
    const expiresAt = new Date(now.getTime() + ENROLMENT_MS);
    await store.closeEnrolments(tx, [staffId], now);
    await store.insertEnrolment(tx, {
      token_hash: tokenHash(token),
      staff_id: staffId,
      purpose,
      pending_totp_secret: null,
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
    });
    return { enrolmentUrl: enrolmentUrl(token), expiresAt };
  }

  async function insertAccount(tx: Db, username: string, createdBy: string | null) {
    const id = await store.insertAccount(tx, { username, createdBy, at: clock.now() });
    if (!id) throw new Conflict('This username is taken.', 'username-taken');
    return id;
  }

  /** Accounts a scope reaches that the caller may manage; the caller must administer the place. */
  async function scopeAccounts(
    tx: Db,
    staff: StaffPrincipal | null,
    scope: Scope,
    action: string,
  ): Promise<string[]> {
    if ('accountId' in scope) {
      if (!staff) return [scope.accountId];
      const account = await store.account(tx, scope.accountId);
      const grants = (await store.grantsOf(tx, [scope.accountId])).get(scope.accountId) ?? [];
      if (!account || grants.length === 0 || !grants.every((g) => mayGrant(staff.grants, g)))
        throw denied(staff, action, 'outside-jurisdiction', { target: scope.accountId });
      return [scope.accountId];
    }
    const target: Target = 'all' in scope ? 'country' : scope;
    const place = staff
      ? (await access.require(tx, staff, { roles: ADMIN_ROLES, within: target, action }))[0]
      : (await access.resolve(tx, [target]))[0];
    if (!place) throw new Invalid('This place does not exist.', 'unknown-place');
    const ids = await store.accountsWithin(tx, place);
    if (!staff) return ids;
    const grants = await store.grantsOf(tx, ids);
    return ids.filter((id) => (grants.get(id) ?? []).every((g) => mayGrant(staff.grants, g)));
  }

  async function forceReset(
    staff: StaffPrincipal | null,
    scope: Scope,
    context: RequestContext | undefined,
  ) {
    if (staff) requireStepUp(staff, 'staff.force-reset');
    return db.transaction().execute(async (tx) => {
      const ids = await scopeAccounts(tx, staff, scope, 'staff.force-reset');
      const now = clock.now();
      await store.markMustReset(tx, ids);
      const sessions = await store.revokeSessionsOf(tx, ids, now);
      await allowed(tx, staff ? staffActor(staff) : SYSTEM, 'staff.force-reset', context, {
        details: { scope: JSON.stringify(scope), accounts: ids.length, sessions },
      });
      return { accounts: ids.length, sessionsRevoked: sessions };
    });
  }

  return {
    requireStepUp,

    async createAccount(
      staff: StaffPrincipal,
      input: { username: string; grants: GrantInput[] },
      context: RequestContext,
    ) {
      return db.transaction().execute(async (tx) => {
        const grants = await resolveGrants(tx, input.grants);
        requireGrantable(staff, grants, 'staff.account.create');
        if (grants.some((g) => isAdminRole(g.role))) requireStepUp(staff, 'staff.account.create');
        const id = await insertAccount(tx, input.username.toLowerCase(), staff.id);
        await store.replaceGrants(tx, id, grants);
        const link = await issueLink(tx, id, 'enrol');
        await allowed(tx, staffActor(staff), 'staff.account.create', context, {
          subject: id,
          details: { grants: grants.map((g) => `${g.role}@${placeLabel(g)}`).join(',') },
        });
        return { id, ...link };
      });
    },

    async account(staff: StaffPrincipal, staffId: string) {
      return db.transaction().execute(async (tx) => {
        const account = await store.account(tx, staffId);
        const grants = (await store.grantsOf(tx, [staffId])).get(staffId) ?? [];
        const visible =
          account !== undefined &&
          (staffId === staff.id ||
            (grants.length > 0 && grants.every((g) => mayGrant(staff.grants, g))));
        if (!visible)
          throw denied(staff, 'staff.account.read', 'outside-jurisdiction', { target: staffId });
        return {
          id: account.staff_id,
          username: account.username,
          status: account.status,
          mustReset: account.must_reset,
          grants,
        };
      });
    },

    /** The accounts inside a place the caller administers that it may manage; a recorded read. */
    async list(staff: StaffPrincipal, within: Target, context: RequestContext) {
      return db.transaction().execute(async (tx) => {
        const [place] = await access.require(tx, staff, {
          roles: ADMIN_ROLES,
          within,
          action: 'staff.account.list',
        });
        if (!place) throw new Invalid('This place does not exist.', 'unknown-place');
        const ids = await store.accountsWithin(tx, place, { withDisabled: true });
        const grants = await store.grantsOf(tx, ids);
        const manageable = ids.filter(
          (id) => id !== staff.id && (grants.get(id) ?? []).every((g) => mayGrant(staff.grants, g)),
        );
        const accounts = await store.accounts(tx, manageable);
        await allowed(tx, staffActor(staff), 'staff.account.list', context, {
          details: { place: placeLabel(place), accounts: accounts.length },
        });
        return accounts.map((a) => ({
          id: a.staff_id,
          username: a.username,
          status: a.status,
          mustReset: a.must_reset,
          grants: grants.get(a.staff_id) ?? [],
        }));
      });
    },

    async setGrants(
      staff: StaffPrincipal,
      staffId: string,
      inputs: GrantInput[],
      context: RequestContext,
    ) {
      return db.transaction().execute(async (tx) => {
        if (staffId === staff.id)
          throw denied(staff, 'staff.grants.set', 'self', { target: staffId });
        const { grants: before } = await requireManageable(tx, staff, staffId, 'staff.grants.set');
        const grants = await resolveGrants(tx, inputs);
        requireGrantable(staff, grants, 'staff.grants.set');
        if ([...before, ...grants].some((g) => isAdminRole(g.role)))
          requireStepUp(staff, 'staff.grants.set');
        await store.replaceGrants(tx, staffId, grants);
        await allowed(tx, staffActor(staff), 'staff.grants.set', context, {
          subject: staffId,
          details: {
            before: before.map((g) => `${g.role}@${placeLabel(g)}`).join(','),
            after: grants.map((g) => `${g.role}@${placeLabel(g)}`).join(','),
          },
        });
        return { grants };
      });
    },

    /** Credentials lost or suspect: old ones stop now, a new one-time link replaces them. */
    async resetCredentials(staff: StaffPrincipal, staffId: string, context: RequestContext) {
      requireStepUp(staff, 'staff.credentials.reset');
      return db.transaction().execute(async (tx) => {
        await requireManageable(tx, staff, staffId, 'staff.credentials.reset');
        const now = clock.now();
        await store.updateAccount(tx, staffId, {
          status: 'pending',
          password_hash: null,
          totp_secret: null,
          must_reset: false,
        });
        await store.revokeSessionsOf(tx, [staffId], now);
        const link = await issueLink(tx, staffId, 'enrol');
        await allowed(tx, staffActor(staff), 'staff.credentials.reset', context, {
          subject: staffId,
        });
        return link;
      });
    },

    async disable(staff: StaffPrincipal, staffId: string, context: RequestContext) {
      return db.transaction().execute(async (tx) => {
        await requireManageable(tx, staff, staffId, 'staff.account.disable');
        const now = clock.now();
        await store.updateAccount(tx, staffId, { status: 'disabled' });
        await store.closeEnrolments(tx, [staffId], now);
        const sessions = await store.revokeSessionsOf(tx, [staffId], now);
        await allowed(tx, staffActor(staff), 'staff.account.disable', context, {
          subject: staffId,
          details: { sessions },
        });
        return { status: 'disabled' as const, sessionsRevoked: sessions };
      });
    },

    /** Ends a login lock before its window runs out. */
    async unlock(staff: StaffPrincipal, staffId: string, context: RequestContext) {
      // Password guessing may resume after it, as after a reset: a fresh second factor first.
      requireStepUp(staff, 'staff.account.unlock');
      const username = await db.transaction().execute(async (tx) => {
        const { account } = await requireManageable(tx, staff, staffId, 'staff.account.unlock');
        await allowed(tx, staffActor(staff), 'staff.account.unlock', context, { subject: staffId });
        return account.username;
      });
      await throttle.clear(username);
      return { status: 'unlocked' as const };
    },

    async revokeSessions(staff: StaffPrincipal, scope: Scope, context: RequestContext) {
      return db.transaction().execute(async (tx) => {
        const ids = await scopeAccounts(tx, staff, scope, 'staff.sessions.revoke');
        const sessions = await store.revokeSessionsOf(tx, ids, clock.now());
        await allowed(tx, staffActor(staff), 'staff.sessions.revoke', context, {
          details: { scope: JSON.stringify(scope), accounts: ids.length, sessions },
        });
        return { accounts: ids.length, sessionsRevoked: sessions };
      });
    },

    forceReset: (staff: StaffPrincipal, scope: Scope, context: RequestContext) =>
      forceReset(staff, scope, context),

    /** `teeka staff force-reset --all`: the operator's version, recorded as the system. */
    forceResetAllFromCli: () => forceReset(null, { all: true }, undefined),

    /**
     * `teeka staff create-admin`: the first national admin, the only admin made without
     * another admin. Refused once an (enabled) national admin exists.
     */
    async bootstrapNationalAdmin(username: string) {
      return db.transaction().execute(async (tx) => {
        if (await store.nationalAdminExists(tx))
          throw new Conflict(
            'A national admin exists already: national admins create further admins through the API.',
            'admin-exists',
          );
        const id = await insertAccount(tx, username.toLowerCase(), null);
        await store.replaceGrants(tx, id, [{ role: 'national-admin', ...COUNTRY }]);
        const link = await issueLink(tx, id, 'enrol');
        await allowed(tx, SYSTEM, 'staff.account.create', undefined, {
          subject: id,
          details: { grants: 'national-admin@country', bootstrap: true },
        });
        return { id, ...link };
      });
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
