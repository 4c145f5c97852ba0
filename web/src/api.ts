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

export const api = {
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
