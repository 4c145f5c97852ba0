import { request } from '../api';

export interface Grant {
  role: string;
  state_id: number | null;
  district_id: number | null;
  center_id: number | null;
}

export type LoginResult =
  | { status: 'signed-in'; csrfToken: string; expiresAt: string }
  | { status: 'reset-required'; enrolmentToken: string; expiresAt: string };

// The session itself rides in an HttpOnly cookie the page cannot read; state-changing calls
// also carry the CSRF token the login returned (kept in this tab only).
const CSRF_KEY = 'teeka.staff.csrf';
export const csrf = {
  get: () => sessionStorage.getItem(CSRF_KEY),
  set: (token: string) => sessionStorage.setItem(CSRF_KEY, token),
  clear: () => sessionStorage.removeItem(CSRF_KEY),
};

/** A state-changing staff call (POST unless told): carries the tab's CSRF token. */
export async function staffPost<T = void>(
  path: string,
  body: unknown,
  {
    method = 'POST',
    headers = {},
  }: { method?: 'POST' | 'PUT' | 'PATCH'; headers?: Record<string, string> } = {},
): Promise<T> {
  const token = csrf.get();
  return request<T>(path, {
    method,
    body,
    headers: { ...headers, ...(token ? { 'x-csrf-token': token } : {}) },
  });
}

export const staffApi = {
  login: (body: { username: string; password: string; code: string }) =>
    request<LoginResult>('/api/v1/staff/auth/login', {
      method: 'POST',
      body: { ...body, mode: 'cookie' },
    }),
  me: () =>
    request<{ id: string; grants: Grant[]; secondFactorAt: string }>('/api/v1/staff/auth/me'),
  logout: () => staffPost('/api/v1/staff/auth/logout', undefined),
  startEnrolment: (token: string) =>
    request<{ username: string; totpSecret: string; otpauthUrl: string; expiresAt: string }>(
      '/api/v1/staff/enrolment/start',
      { method: 'POST', body: { token } },
    ),
  completeEnrolment: (body: { token: string; password: string; code: string }) =>
    request<{ status: 'enrolled' }>('/api/v1/staff/enrolment/complete', {
      method: 'POST',
      body,
    }),
};
