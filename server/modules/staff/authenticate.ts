import type { FastifyReply, FastifyRequest } from 'fastify';

import { Unauthorized } from '../../http/errors.js';
import type { StaffPrincipal } from './access.js';
import type { AuthService } from './auth-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated staff caller; set by the staff `authenticate` preHandler. */
    staff?: StaffPrincipal;
  }
}

/** `__Host-` pins the cookie to this origin and path "/" (browsers require Secure for it). */
export const cookieName = (tls: boolean) => (tls ? '__Host-teeka_staff' : 'teeka_staff');

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,128})$/;
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** The session cookie or bearer token a request carries, if any (a bearer header wins). */
export function presentedCredential(
  request: FastifyRequest,
  tls: boolean,
): { token: string; kind: 'cookie' | 'bearer' } | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = BEARER.exec(header);
    if (!match?.[1]) throw new Unauthorized('The Authorization header must be "Bearer <token>".');
    return { token: match[1], kind: 'bearer' };
  }
  const prefix = `${cookieName(tls)}=`;
  const token = (request.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(prefix))
    ?.slice(prefix.length);
  return token && TOKEN.test(token) ? { token, kind: 'cookie' } : null;
}

/** The session cookie: our tokens are base64url, so the value needs no encoding. */
export function sessionCookie(tls: boolean, value: string, maxAgeSeconds: number): string {
  const secure = tls ? '; Secure' : '';
  return `${cookieName(tls)}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/**
 * The preHandler every staff route uses: resolves the caller or answers 401, and for
 * cookie sessions requires the CSRF token on every state-changing request.
 */
export function staffAuthenticator(auth: AuthService, tls: boolean) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply) {
    const credential = presentedCredential(request, tls);
    if (!credential) throw new Unauthorized('Sign in as staff first.', 'unauthorized');
    const csrf = request.headers['x-csrf-token'];
    request.staff = await auth.authenticate(credential.token, credential.kind, {
      method: request.method,
      csrfToken: typeof csrf === 'string' ? csrf : undefined,
    });
  };
}

/** The caller of a route behind `authenticate` (a programming error if it is missing). */
export function staffOf(request: FastifyRequest): StaffPrincipal {
  if (!request.staff) throw new Unauthorized('Sign in as staff first.');
  return request.staff;
}
