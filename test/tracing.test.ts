import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bearer, sha256, type SmsOutbox, smsOutbox } from './helpers/citizen.js';
import { engine, freshDatabase } from './helpers/db.js';
import { freePort, startTeeka, waitForHealth } from './helpers/process.js';

/** What an OTLP/HTTP receiver (a stand-in for an OpenTelemetry Collector) was sent. */
interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

async function otlpReceiver() {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** OTLP/JSON (opentelemetry-proto's JSON mapping), as far as these tests read it. */
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  events: unknown[];
  links: unknown[];
}
interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

const SERVER_KIND = 2;

function attributeMap(attributes: OtlpAttribute[]): Record<string, unknown> {
  return Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue === undefined ? value.boolValue : Number(value.intValue)),
    ]),
  );
}

function spansIn(received: Received[]) {
  return received.flatMap(({ body }) =>
    (JSON.parse(body.toString('utf8')) as OtlpTraces).resourceSpans.flatMap((resourceSpans) =>
      resourceSpans.scopeSpans.flatMap(({ scope, spans }) =>
        spans.map((span) => ({
          ...span,
          scope: scope.name,
          resource: attributeMap(resourceSpans.resource.attributes),
          attrs: attributeMap(span.attributes),
        })),
      ),
    ),
  );
}

const recorder = pathToFileURL(path.resolve(import.meta.dirname, 'helpers/imports/record.js'));
const loadedPackages = async (file: string) =>
  [
    ...new Set(
      (await readFile(file, 'utf8').catch(() => ''))
        .split('\n')
        .map((url) => /\/node_modules\/(@opentelemetry\/[^/]+)\//.exec(url)?.[1])
        .filter((name) => name !== undefined),
    ),
  ].sort();

describe('OpenTelemetry tracing of a real server process', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let dir: string;
  let outbox: SmsOutbox;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'teeka-tracing-'));
    outbox = await smsOutbox();
    receiver = await otlpReceiver();
    if (engine === 'postgres') database = await freshDatabase(2);
    env = {
      NODE_ENV: 'test',
      TEEKA_DEMO_SEED: 'false',
      TEEKA_MASTER_KEY: `test:${randomBytes(32).toString('base64')}`,
      TEEKA_SMS_OUTBOX: outbox.file,
      TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
      ...(database?.url ? { DATABASE_URL: database.url } : { TEEKA_DATA_DIR: dir }),
    };
  }, 60_000);

  afterAll(async () => {
    await receiver.close();
    await outbox.remove();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(extra: Record<string, string>) {
    const imports = path.join(dir, `imports-${randomBytes(4).toString('hex')}.txt`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const teeka = startTeeka({
      ...env,
      ...extra,
      PORT: String(port),
      NODE_OPTIONS: `--import=${recorder.href}`,
      TEEKA_TEST_IMPORTS_FILE: imports,
    });
    await waitForHealth(url);
    const stop = async () => {
      teeka.child.kill('SIGTERM');
      expect(await teeka.exited).toBe(0);
    };
    return { url, teeka, stop, loaded: () => loadedPackages(imports) };
  }

  it('sends each request as a span named by its route, with status and request id, and nothing secret; shutdown flushes them', async () => {
    const { url, teeka, stop, loaded } = await serve({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // No batch is due before the process ends: what arrives was sent by the shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const mobile = '9876501234';
    const pincode = 411045;
    const reference = '73029416508813';

    const search = await fetch(
      `${url}/api/v2/appointment/sessions/public/findByPin?pincode=${pincode}&date=03-12-2026`,
    );
    expect(search.status).toBe(200);
    const sent = await fetch(`${url}/api/v2/auth/public/generateOTP`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mobile }),
    });
    expect(sent.status).toBe(200);
    const { txnId } = (await sent.json()) as { txnId: string };
    const otp = await outbox.lastOtp(mobile);
    const confirmed = await fetch(`${url}/api/v2/auth/public/confirmOTP`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ otp: sha256(otp), txnId }),
    });
    expect(confirmed.status).toBe(200);
    const { token } = (await confirmed.json()) as { token: string };
    const refused = await fetch(`${url}/api/v1/me/certificates/${reference}`, {
      headers: bearer(token),
    });
    expect(refused.status).toBe(404);

    expect(receiver.received).toEqual([]);
    await stop();
    expect(teeka.output()).toContain(`Tracing: spans go to ${receiver.url}`);
    expect(receiver.received.length).toBeGreaterThan(0);
    for (const { path: posted, contentType } of receiver.received) {
      expect(posted).toBe('/v1/traces');
      expect(contentType).toBe('application/json');
    }
    const spans = spansIn(receiver.received);
    expect(spans[0]?.resource).toMatchObject({
      'service.name': 'teeka',
      'service.version': expect.any(String),
      'service.instance.id': expect.any(String),
      'host.name': hostname(),
      'process.pid': teeka.child.pid,
      'process.runtime.name': 'nodejs',
      'deployment.environment.name': 'test',
    });

    const serverSpan = (response: Response) => {
      const requestId = response.headers.get('x-request-id');
      const found = spans.filter(
        (span) => span.kind === SERVER_KIND && span.attrs['teeka.request_id'] === requestId,
      );
      expect(requestId).toBeTruthy();
      expect(found).toHaveLength(1);
      return found[0];
    };
    const searched = serverSpan(search);
    expect(searched).toMatchObject({
      name: 'GET /api/v2/appointment/sessions/public/findByPin',
      attrs: {
        'http.route': '/api/v2/appointment/sessions/public/findByPin',
        'http.request.method': 'GET',
        'http.response.status_code': 200,
      },
    });
    expect(serverSpan(sent)).toMatchObject({
      name: 'POST /api/v2/auth/public/generateOTP',
      attrs: { 'http.route': '/api/v2/auth/public/generateOTP', 'http.response.status_code': 200 },
    });
    expect(serverSpan(refused)).toMatchObject({
      name: 'GET /api/v1/me/certificates/:beneficiary_reference_id',
      attrs: {
        'http.route': '/api/v1/me/certificates/:beneficiary_reference_id',
        'http.request.method': 'GET',
        'http.response.status_code': 404,
      },
    });

    // PostgreSQL queries are children of the request that made them; PGlite runs in process.
    const queries = spans.filter((span) => span.scope === '@opentelemetry/instrumentation-pg');
    if (engine === 'postgres') {
      const searchQueries = queries.filter(
        (span) => span.traceId === searched?.traceId && span.attrs['db.query.text'],
      );
      expect(searchQueries.length).toBeGreaterThan(0);
      for (const query of searchQueries) {
        expect(query.parentSpanId).toBe(searched?.spanId);
        expect(query.attrs).toMatchObject({ 'db.system.name': 'postgresql' });
        expect(query.attrs['db.query.text']).toMatch(/\$1/);
      }
    } else {
      expect(queries).toEqual([]);
    }

    // Nothing secret or identifying, and no URL beyond the route template, in any span.
    const secrets = [mobile, otp, sha256(otp), txnId, token, reference, String(pincode), '?'];
    for (const span of spans) {
      expect(span.events).toEqual([]);
      expect(span.links).toEqual([]);
      for (const key of Object.keys(span.attrs)) {
        expect(key).not.toMatch(/header|^url\.(path|query|full)$|^http\.(url|target)$|parameter/);
        expect(key).not.toMatch(/^user_agent|^client\.|^network\.peer|values$/);
      }
      const texts = [
        span.name,
        ...Object.values(span.attrs),
        ...Object.values(span.resource),
      ].filter((value) => typeof value === 'string');
      for (const text of texts) {
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
    }
    expect(await loaded()).toContain('@opentelemetry/sdk-trace-node');
  }, 120_000);

  it('sends OTLP protobuf unless told otherwise', async () => {
    const before = receiver.received.length;
    const { url, stop } = await serve({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const mobile = '9876505678';
    const sent = await fetch(`${url}/api/v2/auth/public/generateOTP`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mobile }),
    });
    expect(sent.status).toBe(200);
    await stop();
    const received = receiver.received.slice(before);
    expect(received.length).toBeGreaterThan(0);
    const body = Buffer.concat(received.map((item) => item.body));
    for (const item of received) expect(item.contentType).toBe('application/x-protobuf');
    // Protobuf carries strings as they are: the span's names and values can be looked for.
    for (const text of [
      'teeka',
      '/api/v2/auth/public/generateOTP',
      sent.headers.get('x-request-id'),
    ]) {
      expect(body.includes(text ?? 'no request id')).toBe(true);
    }
    expect(body.includes(mobile)).toBe(false);
  }, 120_000);

  it('is off without an OTLP endpoint: the server works, sends nothing and loads no OpenTelemetry SDK', async () => {
    const before = receiver.received.length;
    const { url, stop, loaded } = await serve({ OTEL_SERVICE_NAME: 'teeka-untraced' });
    const search = await fetch(
      `${url}/api/v2/appointment/sessions/public/findByPin?pincode=411045&date=03-12-2026`,
    );
    expect(search.status).toBe(200);
    await stop();
    expect(receiver.received).toHaveLength(before);
    // prom-client requires the OpenTelemetry API (a no-op without an SDK) for its exemplars.
    expect((await loaded()).filter((name) => name !== '@opentelemetry/api')).toEqual([]);
  }, 120_000);
});
