/** A failed API call, carrying the server's problem+json code when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What was wrong with each field of a refused request (400). */
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  body?: unknown;
  /** A citizen or staff bearer token. */
  token?: string | undefined;
  /** The response is a file (a PDF): return it as a Blob. */
  blob?: boolean;
  headers?: Record<string, string>;
  /** The browser's HTTP cache mode; `no-cache` revalidates an answer the cache would reuse. */
  cache?: RequestCache;
}

/** One call to the Teeka API: JSON in and out, problem+json errors as ApiError. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers = new Headers({
    ...options.headers,
    accept: options.blob ? '*/*' : 'application/json',
  });
  if (options.body !== undefined) headers.set('content-type', 'application/json');
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as {
      code?: string;
      detail?: string;
      errors?: { path: string; message: string }[];
    };
    throw new ApiError(
      response.status,
      problem.code ?? 'error',
      problem.detail ?? response.statusText,
      problem.errors,
    );
  }
  if (options.blob) return (await response.blob()) as T;
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const getJson = <T>(path: string) => request<T>(path);

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

/** A centre from `findByLatLong`: `distance` in km from the asked point. */
export interface NearbyCentre {
  center_id: number;
  name: string;
  district_name: string;
  state_name: string;
  location: string;
  pincode: string;
  block_name: string;
  distance: number;
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
  /** One centre and its sessions for 7 days from `date`; none when it has no sessions. */
  calendarByCenter: (centerId: number, date: string) =>
    getJson<{ centers?: CalendarCentre }>(
      `${SESSIONS}/calendarByCenter?${new URLSearchParams({ center_id: String(centerId), date }).toString()}`,
    ).then((r) => (r.centers ? [r.centers] : [])),
  /** Active centres within 50 km of a point, nearest first. */
  findByLatLong: (lat: number, long: number) =>
    getJson<{ centers: NearbyCentre[] }>(
      `/api/v2/appointment/centers/public/findByLatLong?${new URLSearchParams({ lat: String(lat), long: String(long) }).toString()}`,
    ).then((r) => r.centers),
  /** The certificate issuer's DID document (its keys); validated by the verifier. */
  issuerDidDocument: () => getJson<unknown>('/.well-known/did.json'),
  /** The SMART Health Card (and W3C VC) issuer keys; validated by the verifier. */
  certificateJwks: (cache?: RequestCache) =>
    request<unknown>('/.well-known/jwks.json', cache ? { cache } : {}),
  /** A SMART Health Card key's revocation list, revalidated past the HTTP cache (ETag). */
  shcRevocationList: (kid: string) =>
    request<unknown>(`/.well-known/crl/${encodeURIComponent(kid)}.json`, { cache: 'no-cache' }),
  /** The EU DCC signer certificates; validated by the verifier. */
  dccTrustList: () => getJson<unknown>('/.well-known/dcc/trust-list.json'),
  /** One page of the certificate revocation list; validated by the verifier. */
  revocations: (after: number) =>
    getJson<unknown>(`/api/v1/certificates/revocations?after=${after}`),
  states: () => getJson<{ states: State[] }>('/api/v2/admin/location/states').then((r) => r.states),
  districts: (stateId: number) =>
    getJson<{ districts: District[] }>(`/api/v2/admin/location/districts/${stateId}`).then(
      (r) => r.districts,
    ),
};
