import { isIP } from 'node:net';
import path from 'node:path';

import { z } from 'zod';

/**
 * Every setting Teeka reads, parsed and validated once at start.
 * Each entry documents itself: the README's configuration table mirrors this list.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number, what = 'a whole number') =>
  z.coerce
    .number({ error: `${what} from ${min} to ${max}` })
    .int({ error: `${what} from ${min} to ${max}` })
    .min(min, { error: `${what} from ${min} to ${max}` })
    .max(max, { error: `${what} from ${min} to ${max}` });

const port = int(0, 65535, 'a port number');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const schema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'development, production or test' })
    .default('development'),
  HOST: z.string().refine((h) => h === 'localhost' || isIP(h) !== 0, {
    message: 'an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1) or localhost',
  }),
  PORT: port.default(8080),
  TEEKA_DATA_DIR: z.string().min(1).default('./.teeka'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  TEEKA_REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/, { error: '1 to 40 of a-z, 0-9, _ and -' })
    .default('teeka'),
  TEEKA_MASTER_KEY: z.string().min(1).optional(),
  TEEKA_MASTER_KEY_FILE: z.string().min(1).optional(),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  TRUST_PROXY: z
    .string()
    .refine((v) => v.split(',').every((part) => isIP(part.trim().split('/')[0] ?? '') !== 0), {
      message: 'a comma-separated list of proxy IP addresses or CIDR ranges',
    })
    .optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  TEEKA_DEMO_SEED: bool.optional(),
  TEEKA_BODY_LIMIT: int(1024, 10_485_760, 'a size in bytes').default(16_384),
  TEEKA_ISSUER_HOST: z
    .string()
    .regex(/^[a-z0-9.-]{1,200}(:[0-9]{1,5})?$/, { error: 'a host name, optionally with :port' })
    .default('localhost'),
});

type Raw = z.infer<typeof schema>;

export interface Config {
  env: Raw['NODE_ENV'];
  production: boolean;
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  masterKey: string | undefined;
  masterKeyFile: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  trustProxy: string[] | undefined;
  logLevel: Raw['LOG_LEVEL'];
  demoSeed: boolean;
  bodyLimit: number;
  /** The public host of this deployment: certificates are issued by did:web:<host>. */
  issuerHost: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SECRET_SETTINGS = new Set(['DATABASE_URL', 'REDIS_URL', 'TEEKA_MASTER_KEY']);

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Parses the environment; throws a ConfigError with one line naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  input.HOST ??= '127.0.0.1';
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    // URLs may carry passwords and keys are secrets: never echo them.
    const shown = SECRET_SETTINGS.has(name) ? '(value hidden)' : JSON.stringify(input[name] ?? '');
    throw new ConfigError(
      `Invalid configuration: ${name}=${shown} is not valid: expected ${issue?.message ?? 'a valid value'}.`,
    );
  }
  const raw = parsed.data;
  const production = raw.NODE_ENV === 'production';

  if (Boolean(raw.TLS_CERT_FILE) !== Boolean(raw.TLS_KEY_FILE)) {
    throw new ConfigError(
      'Invalid configuration: TLS_CERT_FILE and TLS_KEY_FILE must be set together.',
    );
  }
  const tls =
    raw.TLS_CERT_FILE && raw.TLS_KEY_FILE
      ? { certFile: raw.TLS_CERT_FILE, keyFile: raw.TLS_KEY_FILE }
      : undefined;
  const trustProxy = raw.TRUST_PROXY?.split(',').map((part) => part.trim());

  if (!isLoopback(raw.HOST) && !tls && !trustProxy) {
    throw new ConfigError(
      `Refusing to listen on ${raw.HOST} without TLS: set TLS_CERT_FILE and TLS_KEY_FILE, or TRUST_PROXY to the TLS-terminating proxy, or use HOST=127.0.0.1.`,
    );
  }
  if (production && raw.TEEKA_DEMO_SEED === true) {
    throw new ConfigError(
      'Invalid configuration: TEEKA_DEMO_SEED=true is a development convenience and refuses to run with NODE_ENV=production.',
    );
  }

  return {
    env: raw.NODE_ENV,
    production,
    host: raw.HOST,
    port: raw.PORT,
    dataDir: path.resolve(raw.TEEKA_DATA_DIR),
    databaseUrl: raw.DATABASE_URL,
    databasePoolSize: raw.DATABASE_POOL_SIZE,
    redisUrl: raw.REDIS_URL,
    redisPrefix: raw.TEEKA_REDIS_PREFIX,
    masterKey: raw.TEEKA_MASTER_KEY,
    masterKeyFile: raw.TEEKA_MASTER_KEY_FILE,
    tls,
    trustProxy,
    logLevel: raw.LOG_LEVEL,
    demoSeed: raw.TEEKA_DEMO_SEED ?? raw.NODE_ENV === 'development',
    bodyLimit: raw.TEEKA_BODY_LIMIT,
    issuerHost: raw.TEEKA_ISSUER_HOST,
  };
}
