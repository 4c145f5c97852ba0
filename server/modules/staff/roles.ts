/**
 * Roles and jurisdictions: the pure rules, no I/O. A grant is one role within one place;
 * a place is the country, a state, a district or a centre, carried with its ancestors so
 * that "is this inside that" compares columns.
 */
export const ROLES = [
  'national-admin',
  'state-admin',
  'district-admin',
  'facility-admin',
  'verifier',
  'vaccinator',
  'auditor',
  'partner-manager',
] as const;
export type Role = (typeof ROLES)[number];

export const ADMIN_ROLES: readonly Role[] = [
  'national-admin',
  'state-admin',
  'district-admin',
  'facility-admin',
];

export type Level = 'country' | 'state' | 'district' | 'centre';

/** A place with its ancestors: null below the place's own level. */
export interface Place {
  stateId: number | null;
  districtId: number | null;
  centerId: number | null;
}

export interface Grant extends Place {
  role: Role;
}

export const COUNTRY: Place = { stateId: null, districtId: null, centerId: null };

export function levelOf(place: Place): Level {
  if (place.centerId !== null) return 'centre';
  if (place.districtId !== null) return 'district';
  if (place.stateId !== null) return 'state';
  return 'country';
}

/** Where each role may be held: an admin role exactly at its own level. */
export const ROLE_LEVELS: Record<Role, readonly Level[]> = {
  'national-admin': ['country'],
  'state-admin': ['state'],
  'district-admin': ['district'],
  'facility-admin': ['centre'],
  verifier: ['district', 'centre'],
  vaccinator: ['district', 'centre'],
  auditor: ['country', 'state', 'district'],
  'partner-manager': ['country'],
};

/**
 * Which roles each admin role may hand out, always within its own place. Admins create
 * staff below themselves: a state admin cannot make another state admin. National admins
 * may create national admins (with a fresh second factor); the first one comes only from
 * `teeka staff create-admin`.
 */
export const GRANTABLE: Partial<Record<Role, readonly Role[]>> = {
  'national-admin': ROLES,
  'state-admin': ['district-admin', 'facility-admin', 'verifier', 'vaccinator', 'auditor'],
  'district-admin': ['facility-admin', 'verifier', 'vaccinator', 'auditor'],
  'facility-admin': ['verifier', 'vaccinator'],
};

export function roleFitsPlace(role: Role, place: Place): boolean {
  return ROLE_LEVELS[role].includes(levelOf(place));
}

/** True when `inner` is `outer` or lies inside it. */
export function contains(outer: Place, inner: Place): boolean {
  if (outer.stateId === null) return true;
  if (outer.stateId !== inner.stateId) return false;
  if (outer.districtId === null) return true;
  if (outer.districtId !== inner.districtId) return false;
  return outer.centerId === null || outer.centerId === inner.centerId;
}

/** Some grant of the caller carries one of `roles` over `place`. */
export function holdsOver(grants: readonly Grant[], roles: readonly Role[], place: Place): boolean {
  return grants.some((g) => roles.includes(g.role) && contains(g, place));
}

/** The caller may hand out (or take away, or manage the holder of) `wanted`. */
export function mayGrant(grants: readonly Grant[], wanted: Grant): boolean {
  return grants.some((g) => (GRANTABLE[g.role] ?? []).includes(wanted.role) && contains(g, wanted));
}

export function isAdminRole(role: Role): boolean {
  return ADMIN_ROLES.includes(role);
}

/** A short, non-identifying label for audit records: "country", "state:16", "district:294", "centre:12". */
export function placeLabel(place: Place): string {
  switch (levelOf(place)) {
    case 'country':
      return 'country';
    case 'state':
      return `state:${place.stateId}`;
    case 'district':
      return `district:${place.districtId}`;
    case 'centre':
      return `centre:${place.centerId}`;
  }
}
