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

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
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
