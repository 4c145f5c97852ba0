import { request } from '../../api';
import { staffPost } from '../api';

/** A person's facts as the correction list shows them: masked by the server. */
export interface MaskedFacts {
  name?: string;
  birth_year?: number;
  gender?: string;
  photo_id?: string;
}

export interface PendingCorrection {
  request_id: string;
  beneficiary_reference_id: string;
  center_id: number;
  fields: string[];
  current: MaskedFacts;
  requested: MaskedFacts;
  requested_at: string;
}

export interface Decision {
  request_id: string;
  status: 'approved' | 'rejected';
  new_certificate_id: string | null;
  revoked_certificate_id: string | null;
}

const CORRECTIONS = '/api/v1/vaccinations/corrections';
const one = (requestId: string) => `${CORRECTIONS}/${encodeURIComponent(requestId)}`;

/** The district admin's calls: server/modules/vaccinations/correction-routes.ts. */
export const correctionsApi = {
  pending: (districtId: number) =>
    request<{ requests: PendingCorrection[] }>(`${CORRECTIONS}?district_id=${districtId}`),
  approve: (requestId: string) => staffPost<Decision>(`${one(requestId)}/approve`, undefined),
  reject: (requestId: string, reason: string) =>
    staffPost<Decision>(`${one(requestId)}/reject`, { reason }),
};
