import type { TFunction } from 'i18next';

import { ApiError, request } from '../../api';
import { staffPost } from '../api';

/** A session as its centre's managers see it (docs/api.md, facilities). */
export interface ManagedSession {
  session_id: string;
  center_id: number;
  date: string;
  vaccine: string;
  min_age_limit: number;
  max_age_limit: number | null;
  capacity_dose1: number;
  capacity_dose2: number;
  capacity_precaution: number;
  available_dose1: number;
  available_dose2: number;
  available_precaution: number;
  slots: string[];
  allow_walk_in: boolean;
}

/** A centre's fields as the create and change APIs take them. */
export interface CentreFields {
  name: string;
  address: string;
  block_name: string;
  pincode: number;
  lat: number;
  long: number;
  opens_at: string;
  closes_at: string;
  fee_type: 'Free' | 'Paid';
  vaccine_fees: { vaccine: string; fee: number }[];
}

export interface ManagedCentre extends CentreFields {
  center_id: number;
  district_id: number;
  active: boolean;
  sessions: ManagedSession[];
}

export interface Managed {
  vaccines: string[];
  centres: ManagedCentre[];
}

export interface NewSession {
  date: string;
  vaccine: string;
  min_age_limit: number;
  capacity_dose1: number;
  capacity_dose2: number;
  capacity_precaution: number;
  slots: string[];
  allow_walk_in: boolean;
}

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
  updateCentre: (centerId: number, body: Partial<CentreFields> & { active?: boolean }) =>
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
