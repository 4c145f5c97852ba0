/** A failed API call, carrying the server's problem+json code when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new ApiError(
      response.status,
      problem.code ?? 'error',
      problem.detail ?? response.statusText,
    );
  }
  return (await response.json()) as T;
}

export interface State {
  state_id: number;
  state_name: string;
}
export interface District {
  district_id: number;
  district_name: string;
}

export interface CalendarSession {
  session_id: string;
  /** DD-MM-YYYY. */
  date: string;
  available_capacity: number;
  available_capacity_dose1: number;
  available_capacity_dose2: number;
  min_age_limit: number;
  max_age_limit?: number;
  allow_all_age: boolean;
  vaccine: string;
  slots: string[];
}
export interface CalendarCentre {
  center_id: number;
  name: string;
  address: string;
  state_name: string;
  district_name: string;
  block_name: string;
  pincode: number;
  from: string;
  to: string;
  fee_type: 'Free' | 'Paid';
  sessions: CalendarSession[];
  vaccine_fees?: { vaccine: string; fee: string }[];
}

const SESSIONS = '/api/v2/appointment/sessions/public';

export const api = {
  /** Centres with a PIN code and their sessions for 7 days from `date` (DD-MM-YYYY). */
  calendarByPin: (pincode: string, date: string) =>
    getJson<{ centers: CalendarCentre[] }>(
      `${SESSIONS}/calendarByPin?${new URLSearchParams({ pincode, date }).toString()}`,
    ).then((r) => r.centers),
  calendarByDistrict: (districtId: number, date: string) =>
    getJson<{ centers: CalendarCentre[] }>(
      `${SESSIONS}/calendarByDistrict?${new URLSearchParams({ district_id: String(districtId), date }).toString()}`,
    ).then((r) => r.centers),
  /** The certificate issuer's DID document (its keys); validated by the verifier. */
  issuerDidDocument: () => getJson<unknown>('/.well-known/did.json'),
  /** One page of the certificate revocation list; validated by the verifier. */
  revocations: (after: number) =>
    getJson<unknown>(`/api/v1/certificates/revocations?after=${after}`),
  states: () => getJson<{ states: State[] }>('/api/v2/admin/location/states').then((r) => r.states),
  districts: (stateId: number) =>
    getJson<{ districts: District[] }>(`/api/v2/admin/location/districts/${stateId}`).then(
      (r) => r.districts,
    ),
};
