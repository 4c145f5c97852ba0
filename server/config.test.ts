import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('has working defaults for a fresh clone', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      env: 'development',
      demoSeed: true,
      databaseUrl: undefined,
    });
    expect(config.dataDir.endsWith('.teeka')).toBe(true);
    // A newcomer reads OTPs from the data directory; tests and production have no outbox by default.
    expect(config.sms.outbox).toBe(`${config.dataDir}/sms-outbox.jsonl`);
    expect(loadConfig({ NODE_ENV: 'test' }).sms.outbox).toBeUndefined();
    expect(
      loadConfig({
        NODE_ENV: 'production',
        TEEKA_SMS_GATEWAY_URL: 'https://sms.example',
        TEEKA_SMS_GATEWAY_TOKEN: 'secret-token',
      }).sms.outbox,
    ).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT="eighty" is not valid/],
    [{ PORT: '70000' }, /PORT="70000"/],
    [
      { DATABASE_URL: 'mysql://u:secret@x' },
      /^Invalid configuration: DATABASE_URL=\(value hidden\) is not valid: expected a URL starting with postgres:/,
    ],
    [{ NODE_ENV: 'staging' }, /NODE_ENV="staging"/],
    [{ HOST: 'example.com' }, /HOST="example.com" is not valid: expected an IP address/],
    [{ TRUST_PROXY: 'my-proxy' }, /TRUST_PROXY="my-proxy"/],
    [{ TLS_CERT_FILE: '/tmp/cert.pem' }, /TLS_CERT_FILE and TLS_KEY_FILE must be set together/],
    [
      { TEEKA_FIREWALL: 'maybe' },
      /TEEKA_FIREWALL="maybe" is not valid: expected block, report or off/,
    ],
    [{ TEEKA_FIREWALL: 'off', NODE_ENV: 'production' }, /TEEKA_FIREWALL=off is for benchmarks/],
    [
      { TEEKA_HTTP_REDIRECT_PORT: '8081' },
      /TEEKA_HTTP_REDIRECT_PORT redirects to HTTPS and needs TLS/,
    ],
    [{ TEEKA_HEADERS_TIMEOUT_MS: '10' }, /TEEKA_HEADERS_TIMEOUT_MS="10"/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      /^Invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT=\(value hidden\) is not valid: expected a URL starting with http:/,
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      /OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not valid: expected http\/protobuf or http\/json \(grpc is not supported\)/,
    ],
  ])('names the bad variable in one line: %j', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses a non-loopback address without TLS or a trusted proxy', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(
      /Refusing to listen on 0.0.0.0 without TLS/,
    );
    expect(loadConfig({ HOST: '0.0.0.0', TRUST_PROXY: '10.0.0.5' }).trustProxy).toEqual([
      '10.0.0.5',
    ]);
    expect(
      loadConfig({ HOST: '0.0.0.0', TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' }).tls,
    ).toEqual({ certFile: 'c.pem', keyFile: 'k.pem' });
  });

  it('traces only when an OTLP endpoint is set, with OpenTelemetry’s own variables', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_SERVICE_NAME: 'teeka-a' }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: undefined,
      environment: 'development',
    });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'teeka-mumbai',
      }).tracing,
    ).toMatchObject({
      url: 'https://traces.example/ingest',
      protocol: 'http/json',
      serviceName: 'teeka-mumbai',
    });
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
  });

  it('keeps development conveniences out of production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).demoSeed).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production', TEEKA_DEMO_SEED: 'true' })).toThrow(
      /refuses to run with NODE_ENV=production/,
    );
  });
});
