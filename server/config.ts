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

const natsServer = (value: string) => {
  try {
    const parsed = new URL(value);
    return ['nats:', 'tls:'].includes(parsed.protocol) && parsed.hostname !== '';
  } catch {
    return false;
  }
};

const otlpProtocol = z.enum(['http/protobuf', 'http/json'], {
  error: 'http/protobuf or http/json (grpc is not supported)',
});

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
  DATABASE_STATEMENT_TIMEOUT_MS: int(0, 600_000, 'milliseconds').default(10_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(0, 600_000, 'milliseconds').default(5_000),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  TEEKA_REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/, { error: '1 to 40 of a-z, 0-9, _ and -' })
    .default('teeka'),
  NATS_URL: z
    .string()
    .refine((v) => v.split(',').every((part) => natsServer(part.trim())), {
      message: 'a comma-separated list of nats://host:port (or tls://host:port) URLs',
    })
    .optional(),
  TEEKA_NATS_PREFIX: z
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
  TEEKA_METRICS_ALLOW: z
    .string()
    .refine((v) => v.split(',').every((part) => isIP(part.trim().split('/')[0] ?? '') !== 0), {
      message: 'a comma-separated list of IP addresses or CIDR ranges',
    })
    .default('127.0.0.0/8,::1'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  TEEKA_DEMO_SEED: bool.optional(),
  TEEKA_BODY_LIMIT: int(1024, 10_485_760, 'a size in bytes').default(16_384),
  TEEKA_SEARCH_CACHE_SECONDS: int(0, 300, 'a number of seconds').default(30),
  TEEKA_SEARCH_RATE_LIMIT: int(1, 10_000_000, 'a number of requests').default(100),
  TEEKA_SEARCH_RATE_WINDOW_SECONDS: int(1, 86_400, 'a number of seconds').default(300),
  TEEKA_PUBLIC_URL: url(['http:', 'https:']).optional(),
  TEEKA_AUDIT_CHECKPOINT_SECONDS: int(0, 86_400, 'a number of seconds').default(60),
  TEEKA_OTP_TTL_SECONDS: int(30, 600, 'seconds').default(180),
  TEEKA_OTP_PER_MOBILE: int(1, 100).default(5),
  TEEKA_OTP_PER_IP: int(1, 100_000).default(20),
  TEEKA_SMS_BUDGET_PER_HOUR: int(1, 100_000_000).default(100_000),
  TEEKA_CITIZEN_TOKEN_TTL_SECONDS: int(60, 3600, 'seconds').default(900),
  TEEKA_SMS_OUTBOX: z.string().min(1).optional(),
  TEEKA_SMS_WAIT_MS: int(0, 5_000, 'milliseconds').default(500),
  TEEKA_SMS_GATEWAY_URL: url(['https:', 'http:']).optional(),
  TEEKA_SMS_GATEWAY_TOKEN: z.string().min(8, { error: 'at least 8 characters' }).optional(),
  TEEKA_FIREWALL: z
    .enum(['block', 'report', 'off'], { error: 'block, report or off' })
    .default('block'),
  TEEKA_IP_RATE_LIMIT: int(1, 1_000_000, 'requests per minute').default(1200),
  TEEKA_SHED_EVENT_LOOP_DELAY_MS: int(0, 60_000, 'milliseconds').default(1000),
  TEEKA_SHED_HEAP_BYTES: int(0, 2 ** 40, 'a size in bytes').default(0),
  TEEKA_HTTP_REDIRECT_PORT: port.optional(),
  TEEKA_HEADERS_TIMEOUT_MS: int(1000, 600_000, 'milliseconds').default(10_000),
  TEEKA_REQUEST_TIMEOUT_MS: int(1000, 600_000, 'milliseconds').default(30_000),
  TEEKA_KEEP_ALIVE_TIMEOUT_MS: int(1000, 600_000, 'milliseconds').default(5_000),
  TEEKA_MAX_CONNECTIONS: int(1, 1_000_000, 'a number of connections').default(10_000),
  TEEKA_ISSUER_HOST: z
    .string()
    // Bounded quantifiers, one optional group: linear time.
    // eslint-disable-next-line security/detect-unsafe-regex
    .regex(/^[a-z0-9.-]{1,200}(:[0-9]{1,5})?$/, { error: 'a host name, optionally with :port' })
    .default('localhost'),
  TEEKA_PARTNER_ENUMERATION_LIMIT: int(1, 1_000_000, 'a number of persons').default(50),
  TEEKA_PARTNER_ENUMERATION_WINDOW_SECONDS: int(60, 7 * 86_400, 'a number of seconds').default(
    3600,
  ),
  // OpenTelemetry's own variable names (opentelemetry.io/docs/specs/otel/protocol/exporter/).
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http:', 'https:']).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], { error: 'otlp or none' }).optional(),
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_SERVICE_NAME: z.string().min(1).max(200).optional(),
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
  /** PostgreSQL `statement_timeout` of every app connection; 0 for none. */
  databaseStatementTimeoutMs: number;
  /** How long to wait for a new PostgreSQL connection; 0 for no limit. */
  databaseConnectTimeoutMs: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  /** NATS servers: events go through JetStream; in-process delivery when unset. */
  natsUrl: string | undefined;
  /** Prefix of the JetStream stream, subjects and consumers, so deployments can share NATS. */
  natsPrefix: string;
  masterKey: string | undefined;
  masterKeyFile: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  trustProxy: string[] | undefined;
  logLevel: Raw['LOG_LEVEL'];
  metricsAllow: string[];
  demoSeed: boolean;
  bodyLimit: number;
  /** How long a node serves a public search answer from memory (0: never). */
  searchCacheSeconds: number;
  /** Public search requests one IP address may make per window. */
  searchRateLimit: number;
  searchRateWindowSeconds: number;
  /** Where people reach this deployment: the base of links Teeka hands out (staff enrolment). */
  publicUrl: string;
  /** Seconds between audit checkpoints (made only when there are new records); 0: on demand only. */
  auditCheckpointSeconds: number;
  otp: { ttlSeconds: number; perMobile: number; perIp: number; smsBudgetPerHour: number };
  citizenTokenTtlSeconds: number;
  sms: {
    outbox: string | undefined;
    gatewayUrl: string | undefined;
    gatewayToken: string | undefined;
    /** How long generateOTP waits for the first in-process delivery attempt (0: not at all). */
    waitMs: number;
  };
  /** The public host of this deployment: certificates are issued by did:web:<host>. */
  issuerHost: string;
  edge: EdgeConfig;
  /** A partner client asking about more distinct persons than this per window is suspended. */
  partnerEnumeration: { limit: number; windowSeconds: number };
  /** OpenTelemetry tracing; undefined (off) unless an OTLP endpoint is set. */
  tracing: TracingConfig | undefined;
}

export interface TracingConfig {
  /** Where spans are POSTed: the traces endpoint, or the base endpoint + /v1/traces. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** OTEL_SERVICE_NAME; unset: service.name from OTEL_RESOURCE_ATTRIBUTES, else `teeka`. */
  serviceName: string | undefined;
  environment: Raw['NODE_ENV'];
}

/** The edge protections (server/http/edge/): firewall, per-IP limit, load shedding, slow clients. */
export interface EdgeConfig {
  /** block: refuse attack payloads; report: only log them; off: no firewall (refused in production). */
  firewall: Raw['TEEKA_FIREWALL'];
  ipRateLimitPerMinute: number;
  shedEventLoopDelayMs: number;
  /** 0: 90% of the V8 heap limit. */
  shedHeapBytes: number;
  httpRedirectPort: number | undefined;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SECRET_SETTINGS = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'NATS_URL',
  'TEEKA_MASTER_KEY',
  'TEEKA_SMS_GATEWAY_URL',
  'TEEKA_SMS_GATEWAY_TOKEN',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
]);

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

  if (production && raw.TEEKA_SMS_OUTBOX) {
    throw new ConfigError(
      'Invalid configuration: TEEKA_SMS_OUTBOX is a development convenience and refuses to run with NODE_ENV=production; set TEEKA_SMS_GATEWAY_URL and TEEKA_SMS_GATEWAY_TOKEN.',
    );
  }
  if (Boolean(raw.TEEKA_SMS_GATEWAY_URL) !== Boolean(raw.TEEKA_SMS_GATEWAY_TOKEN)) {
    throw new ConfigError(
      'Invalid configuration: TEEKA_SMS_GATEWAY_URL and TEEKA_SMS_GATEWAY_TOKEN must be set together.',
    );
  }
  if (production && raw.TEEKA_FIREWALL === 'off') {
    throw new ConfigError(
      'Invalid configuration: TEEKA_FIREWALL=off is for benchmarks and refuses to run with NODE_ENV=production (use report to observe without blocking).',
    );
  }
  if (raw.TEEKA_HTTP_REDIRECT_PORT !== undefined && !tls) {
    throw new ConfigError(
      'Invalid configuration: TEEKA_HTTP_REDIRECT_PORT redirects to HTTPS and needs TLS_CERT_FILE and TLS_KEY_FILE.',
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
    databaseStatementTimeoutMs: raw.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseConnectTimeoutMs: raw.DATABASE_CONNECT_TIMEOUT_MS,
    redisUrl: raw.REDIS_URL,
    redisPrefix: raw.TEEKA_REDIS_PREFIX,
    natsUrl: raw.NATS_URL,
    natsPrefix: raw.TEEKA_NATS_PREFIX,
    masterKey: raw.TEEKA_MASTER_KEY,
    masterKeyFile: raw.TEEKA_MASTER_KEY_FILE,
    tls,
    trustProxy,
    logLevel: raw.LOG_LEVEL,
    metricsAllow: raw.TEEKA_METRICS_ALLOW.split(',').map((part) => part.trim()),
    demoSeed: raw.TEEKA_DEMO_SEED ?? raw.NODE_ENV === 'development',
    bodyLimit: raw.TEEKA_BODY_LIMIT,
    searchCacheSeconds: raw.TEEKA_SEARCH_CACHE_SECONDS,
    searchRateLimit: raw.TEEKA_SEARCH_RATE_LIMIT,
    searchRateWindowSeconds: raw.TEEKA_SEARCH_RATE_WINDOW_SECONDS,
    publicUrl: (
      raw.TEEKA_PUBLIC_URL ??
      `${tls ? 'https' : 'http'}://${raw.HOST.includes(':') ? `[${raw.HOST}]` : raw.HOST}:${raw.PORT}`
    ).replace(/\/+$/, ''),
    auditCheckpointSeconds: raw.TEEKA_AUDIT_CHECKPOINT_SECONDS,
    otp: {
      ttlSeconds: raw.TEEKA_OTP_TTL_SECONDS,
      perMobile: raw.TEEKA_OTP_PER_MOBILE,
      perIp: raw.TEEKA_OTP_PER_IP,
      smsBudgetPerHour: raw.TEEKA_SMS_BUDGET_PER_HOUR,
    },
    citizenTokenTtlSeconds: raw.TEEKA_CITIZEN_TOKEN_TTL_SECONDS,
    sms: {
      // A newcomer in development reads OTPs from a file in the data directory.
      outbox:
        raw.TEEKA_SMS_OUTBOX ??
        (raw.NODE_ENV === 'development' && !raw.TEEKA_SMS_GATEWAY_URL
          ? path.join(path.resolve(raw.TEEKA_DATA_DIR), 'sms-outbox.jsonl')
          : undefined),
      gatewayUrl: raw.TEEKA_SMS_GATEWAY_URL,
      gatewayToken: raw.TEEKA_SMS_GATEWAY_TOKEN,
      waitMs: raw.TEEKA_SMS_WAIT_MS,
    },
    edge: {
      firewall: raw.TEEKA_FIREWALL,
      ipRateLimitPerMinute: raw.TEEKA_IP_RATE_LIMIT,
      shedEventLoopDelayMs: raw.TEEKA_SHED_EVENT_LOOP_DELAY_MS,
      shedHeapBytes: raw.TEEKA_SHED_HEAP_BYTES,
      httpRedirectPort: raw.TEEKA_HTTP_REDIRECT_PORT,
      headersTimeoutMs: raw.TEEKA_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: raw.TEEKA_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: raw.TEEKA_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: raw.TEEKA_MAX_CONNECTIONS,
    },
    issuerHost: raw.TEEKA_ISSUER_HOST,
    partnerEnumeration: {
      limit: raw.TEEKA_PARTNER_ENUMERATION_LIMIT,
      windowSeconds: raw.TEEKA_PARTNER_ENUMERATION_WINDOW_SECONDS,
    },
    tracing: tracingConfig(raw),
  };
}

/** Tracing is on only when an OTLP endpoint is set and OpenTelemetry's own switches allow it. */
function tracingConfig(raw: Raw): TracingConfig | undefined {
  if (raw.OTEL_SDK_DISABLED || raw.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const base = raw.OTEL_EXPORTER_OTLP_ENDPOINT;
  // The spec: a signal's own endpoint is used as given; the base one gets /v1/traces.
  const url =
    raw.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (url === undefined) return undefined;
  return {
    url,
    protocol:
      raw.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? raw.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: raw.OTEL_SERVICE_NAME,
    environment: raw.NODE_ENV,
  };
}
