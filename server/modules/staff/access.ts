import type { Db } from '../../db/index.js';
import { Forbidden } from '../../http/errors.js';
import { withAudit } from '../audit/denied.js';
import type { AuditEvent } from '../audit/service.js';
import { COUNTRY, type Grant, holdsOver, type Place, placeLabel, type Role } from './roles.js';
import type { StaffStore } from './store.js';

/** Who is calling: set on `request.staff` by the staff authentication preHandler. */
export interface StaffPrincipal {
  id: string;
  grants: Grant[];
  /** When this session last proved a second factor (login or step-up). */
  secondFactorAt: Date;
  via: 'cookie' | 'bearer';
}

/** A record's place as callers name it: the country, or a state, district or centre id. */
export type Target =
  'country' | { stateId: number } | { districtId: number } | { centerId: number };

export interface AccessRequest {
  /** Roles that may do this; any one suffices. */
  roles: readonly Role[];
  /** The places of every record the action touches: each must lie inside a grant of one of `roles`. */
  within: Target | readonly Target[];
  /** The audited action name of a denial (defaults to "staff.access"). */
  action?: string;
}

/** The role and place an audit record shows for a staff actor. */
export function staffActor(staff: Pick<StaffPrincipal, 'id' | 'grants'>): AuditEvent['actor'] {
  const first = staff.grants[0];
  return {
    type: 'staff',
    id: staff.id,
    role: staff.grants.map((g) => g.role).join(',') || null,
    jurisdiction: first ? placeLabel(first) : null,
  };
}

/** A 403 that is recorded in the audit trail in its own transaction (see audited.ts). */
export function denied(
  staff: Pick<StaffPrincipal, 'id' | 'grants'>,
  action: string,
  reason: string,
  details: AuditEvent['details'] = {},
  message?: string,
): Forbidden {
  return withAudit(new Forbidden(message), {
    actor: staffActor(staff),
    action,
    outcome: 'denied',
    reason,
    details,
  });
}

/**
 * The one access guard (STYLE.md 6): "may this caller, with these roles, touch records in
 * these places?", answered for a batch. Places are resolved from the database (a centre
 * to its district and state), so a caller never supplies a record's ancestry. Unknown
 * places are denied like foreign ones: a denial does not reveal whether an id exists.
 */
export function createAccess({ store }: { store: StaffStore }) {
  async function resolve(tx: Db, targets: readonly Target[]): Promise<(Place | null)[]> {
    const ids = (key: 'stateId' | 'districtId' | 'centerId') => [
      ...new Set(
        targets.flatMap((t) =>
          t !== 'country' && key in t ? [(t as Record<string, number>)[key] ?? 0] : [],
        ),
      ),
    ];
    // One after another: a transaction is one connection.
    const states = await store.statesExisting(tx, ids('stateId'));
    const districts = await store.districtsOf(tx, ids('districtId'));
    const centres = await store.centresOf(tx, ids('centerId'));
    return targets.map((t): Place | null => {
      if (t === 'country') return COUNTRY;
      if ('stateId' in t)
        return states.includes(t.stateId)
          ? { stateId: t.stateId, districtId: null, centerId: null }
          : null;
      if ('districtId' in t) {
        const d = districts.find((row) => row.district_id === t.districtId);
        return d ? { stateId: d.state_id, districtId: d.district_id, centerId: null } : null;
      }
      const c = centres.find((row) => row.center_id === t.centerId);
      return c ? { stateId: c.state_id, districtId: c.district_id, centerId: c.center_id } : null;
    });
  }

  return {
    resolve,
    /**
     * Throws a 403 (recorded in the audit trail even when the action's transaction rolls
     * back) unless every target lies inside a grant of one of `roles`. Returns the resolved places.
     */
    async require(
      tx: Db,
      staff: StaffPrincipal | undefined,
      { roles, within, action = 'staff.access' }: AccessRequest,
    ): Promise<Place[]> {
      const targets: readonly Target[] = Array.isArray(within) ? within : [within as Target];
      if (!staff) throw new Forbidden();
      const places = await resolve(tx, targets);
      const refused = places.findIndex((p) => p === null || !holdsOver(staff.grants, roles, p));
      if (refused !== -1 || targets.length === 0) {
        const target = targets[refused];
        throw denied(staff, action, 'outside-jurisdiction', {
          roles: roles.join(','),
          target: target === undefined ? null : JSON.stringify(target),
        });
      }
      return places as Place[];
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
