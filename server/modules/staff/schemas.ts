import { z } from 'zod';

import type { Target } from './access.js';
import type { GrantInput, Scope } from './admin-service.js';
import { ROLES } from './roles.js';

const id = z.number().int().min(1).max(999_999);

export const username = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, {
  error: '3 to 64 of letters, digits, ".", "_" and "-", starting with a letter or digit',
});

/** The password's own rules (8..128 characters) are the service's; this only bounds the body. */
const password = z.string().max(1024);
const code = z.string().max(16);
const token = z.string().min(1).max(128);

export const loginBody = z.strictObject({
  username: z.string().max(64),
  password,
  code,
  /** "cookie" for the staff portal (HttpOnly cookie + CSRF token), "bearer" for API clients. */
  mode: z.enum(['cookie', 'bearer']).default('cookie'),
});

export const loginResponse = z.union([
  z.object({
    status: z.literal('signed-in'),
    token: z.string().optional(),
    csrfToken: z.string().optional(),
    expiresAt: z.date(),
  }),
  z.object({
    status: z.literal('reset-required'),
    enrolmentToken: z.string(),
    expiresAt: z.date(),
  }),
]);

export const stepUpBody = z.strictObject({ code });
export const enrolmentStartBody = z.strictObject({ token });
export const enrolmentCompleteBody = z.strictObject({ token, password, code });

/** A role within a place: no id for the whole country, else exactly one of the ids. */
export const grantInput = z
  .strictObject({
    role: z.enum(ROLES),
    state_id: id.optional(),
    district_id: id.optional(),
    center_id: id.optional(),
  })
  .refine(
    (g) => [g.state_id, g.district_id, g.center_id].filter((v) => v !== undefined).length <= 1,
    {
      error: 'name at most one of state_id, district_id, center_id (none: the whole country)',
    },
  )
  .transform((g): GrantInput => {
    if (g.center_id !== undefined) return { role: g.role, centerId: g.center_id };
    if (g.district_id !== undefined) return { role: g.role, districtId: g.district_id };
    if (g.state_id !== undefined) return { role: g.role, stateId: g.state_id };
    return { role: g.role, country: true };
  });

export const createAccountBody = z.strictObject({
  username,
  grants: z.array(grantInput).min(1).max(20),
});
export const setGrantsBody = z.strictObject({ grants: z.array(grantInput).min(1).max(20) });

export const accountParams = z.strictObject({ id: z.uuid() });

const queryId = z.coerce.number().pipe(id);

/** The place whose accounts to list: at most one id, none for the whole country. */
export const listAccountsQuery = z
  .strictObject({
    state_id: queryId.optional(),
    district_id: queryId.optional(),
    center_id: queryId.optional(),
  })
  .refine(
    (q) => [q.state_id, q.district_id, q.center_id].filter((v) => v !== undefined).length <= 1,
    { error: 'name at most one of state_id, district_id, center_id (none: the whole country)' },
  )
  .transform((q): Target => {
    if (q.center_id !== undefined) return { centerId: q.center_id };
    if (q.district_id !== undefined) return { districtId: q.district_id };
    if (q.state_id !== undefined) return { stateId: q.state_id };
    return 'country';
  });

export const scopeBody = z
  .strictObject({
    all: z.literal(true).optional(),
    account_id: z.uuid().optional(),
    state_id: id.optional(),
    district_id: id.optional(),
    center_id: id.optional(),
  })
  .refine(
    (s) =>
      [s.all, s.account_id, s.state_id, s.district_id, s.center_id].filter((v) => v !== undefined)
        .length === 1,
    {
      error: 'name exactly one of all, account_id, state_id, district_id, center_id',
    },
  )
  .transform((s): Scope => {
    if (s.account_id !== undefined) return { accountId: s.account_id };
    if (s.center_id !== undefined) return { centerId: s.center_id };
    if (s.district_id !== undefined) return { districtId: s.district_id };
    if (s.state_id !== undefined) return { stateId: s.state_id };
    return { all: true };
  });

const grantOut = z.object({
  role: z.enum(ROLES),
  state_id: z.number().nullable(),
  district_id: z.number().nullable(),
  center_id: z.number().nullable(),
});

export const accountResponse = z.object({
  id: z.string(),
  username: z.string(),
  status: z.enum(['pending', 'active', 'disabled']),
  mustReset: z.boolean(),
  grants: z.array(grantOut),
});
export const accountsResponse = z.object({ accounts: z.array(accountResponse) });
export const grantsResponse = z.object({ grants: z.array(grantOut) });
export const meResponse = z.object({
  id: z.string(),
  grants: z.array(grantOut),
  secondFactorAt: z.date(),
});
export const linkResponse = z.object({
  id: z.string().optional(),
  enrolmentUrl: z.string(),
  expiresAt: z.date(),
});
export const countResponse = z.object({ accounts: z.number(), sessionsRevoked: z.number() });

export function grantView(g: {
  role: (typeof ROLES)[number];
  stateId: number | null;
  districtId: number | null;
  centerId: number | null;
}) {
  return { role: g.role, state_id: g.stateId, district_id: g.districtId, center_id: g.centerId };
}
