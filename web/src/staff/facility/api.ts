import type { TFunction } from 'i18next';
import type { z } from 'zod';

import type {
  centreChangesInput,
  managedCentresResponse,
  newCentreInput,
  newSessionInput,
} from '../../../../server/modules/facilities/schemas.js';
import { ApiError, request } from '../../api';
import { staffPost } from '../api';

/** The facilities schemas the server checks (server/modules/facilities/schemas.ts), as types. */
export type Managed = z.output<typeof managedCentresResponse>;
export type ManagedCentre = Managed['centres'][number];
/** A session as its centre's managers see it (docs/api.md, facilities). */
export type ManagedSession = ManagedCentre['sessions'][number];
/** A centre's fields as the create API takes them, without its district. */
export type CentreFields = Omit<z.output<typeof newCentreInput>, 'district_id'>;
export type NewSession = Omit<z.input<typeof newSessionInput>, 'center_id'>;
export type Capacity = Pick<
  ManagedSession,
  'capacity_dose1' | 'capacity_dose2' | 'capacity_precaution'
>;

const FACILITIES = '/api/v1/facilities';

/** The facility admin's calls: server/modules/facilities/staff-routes.ts. */
export const facilityApi = {
  mine: () => request<Managed>(`${FACILITIES}/centres/mine`),
  managed: (centerId: number) => request<Managed>(`${FACILITIES}/centres/${centerId}/managed`),
  createCentre: (body: CentreFields & { district_id: number }) =>
    staffPost<{ center_id: number }>(`${FACILITIES}/centres`, body),
  updateCentre: (centerId: number, body: z.input<typeof centreChangesInput>) =>
    staffPost<{ center_id: number }>(`${FACILITIES}/centres/${centerId}`, body, {
      method: 'PATCH',
    }),
  createSession: (centerId: number, body: NewSession) =>
    staffPost<{ session_id: string }>(`${FACILITIES}/centres/${centerId}/sessions`, body),
  changeCapacity: (sessionId: string, body: Capacity) =>
    staffPost<{ session_id: string }>(
      `${FACILITIES}/sessions/${encodeURIComponent(sessionId)}`,
      body,
      { method: 'PATCH' },
    ),
  closeSession: (sessionId: string) =>
    staffPost<{ session_id: string }>(
      `${FACILITIES}/sessions/${encodeURIComponent(sessionId)}/close`,
      undefined,
    ),
};

/** A refusal in plain words: the server's code when the page knows it, else a 400's field errors. */
export function facilityProblem(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t('facility.problems.offline');
  if (error.status === 403) return t('facility.problems.forbidden');
  const known = t(`facility.problems.${error.code}`, { defaultValue: '' });
  if (known) return known;
  if (error.status === 400 && error.errors.length > 0)
    return [
      t('facility.problems.invalid'),
      ...error.errors.map((e) => `${e.path}: ${e.message}`),
    ].join(' ');
  return t('facility.problems.other');
}
