import type { LoggerOptions } from 'pino';

/**
 * Log options shared by the server and the CLI. Logs never hold an OTP, password, token,
 * key, full mobile or ID number (SECURITY.md): request bodies are not logged, and these
 * paths are censored wherever they appear in a logged object.
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api_key',
  'password',
  'newPassword',
  'otp',
  'totp',
  'code',
  'secret',
  'client_secret',
  'token',
  'key',
  'mobile',
  'mobile_number',
  'photo_id_number',
  'name',
  'text',
];

/** Ten digits or more: a mobile, Aadhaar or other ID number, or a reference id. */
const LONG_NUMBER = /\d{10,}/g;

/**
 * The request as logged: its path with every long number masked to its last 4 digits, and
 * no query string, since a caller may put a number in either (`/x/9876543210`, `?mobile=`).
 */
export function loggedRequest(request: {
  method?: string;
  url?: string;
  ip?: string;
}): Record<string, unknown> {
  const [path = '', query] = (request.url ?? '').split('?', 2);
  return {
    method: request.method,
    url:
      path.replace(LONG_NUMBER, (n) => `${'X'.repeat(n.length - 4)}${n.slice(-4)}`) +
      (query === undefined ? '' : '?[query not logged]'),
    // The client's address (behind TRUST_PROXY, the one the proxy saw), for incident response.
    remoteAddress: request.ip,
  };
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: { req: loggedRequest },
    redact: {
      paths: [
        ...SECRET_KEYS.map((key) => `req.headers["${key}"]`),
        ...SECRET_KEYS.map((key) => `*["${key}"]`),
        ...SECRET_KEYS.map((key) => `*.*["${key}"]`),
      ],
      censor: '[redacted]',
    },
  };
}
