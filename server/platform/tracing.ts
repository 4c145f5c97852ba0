import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';

import { type Attributes, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import type { FastifyInstance } from 'fastify';

import type { TracingConfig } from '../config.js';
import { projectRoot } from '../paths.js';

/**
 * OpenTelemetry tracing, loaded only when an OTLP endpoint is configured (main.ts imports
 * this module then, and only then).
 *
 * Spans never carry an OTP, password, token, key, full mobile or ID number (SECURITY.md):
 * every attribute an instrumentation records passes an allow-list before export, so no
 * header, body, URL path or query string, SQL parameter, error message or exception event
 * leaves the process, whatever a future instrumentation version starts to record.
 */
const EXPORTED_ATTRIBUTES = new Set([
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'url.scheme',
  'network.protocol.version',
  'error.type',
  'db.system',
  'db.system.name',
  'db.namespace',
  'db.name',
  'db.operation.name',
  // Kysely sends every value as a bind parameter ($1, $2...): the text holds none.
  'db.statement',
  'db.query.text',
  'teeka.request_id',
]);

/** Health probes and metric scrapes every few seconds would drown the traces that matter. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface Tracing {
  /** Ends the instrumentation and sends the spans not yet exported. */
  shutdown(): Promise<void>;
}

export async function startTracing(config: TracingConfig): Promise<Tracing> {
  const exporter = await otlpExporter(config);
  const provider = new NodeTracerProvider({
    resource: nodeResource(config),
    spanProcessors: [new BatchSpanProcessor(new AllowListExporter(exporter))],
  });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Outgoing calls (the SMS gateway's URL holds its own secrets) are not traced.
        disableOutgoingRequestInstrumentation: true,
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
      }),
      new PgInstrumentation({
        // Only queries made for a traced request: not the outbox relay's polling.
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
      }),
    ],
  });
  patchLoadedModules();
  // Fastify announces each new instance on this channel: each gets a first onRequest hook
  // that names the request's span by its route template and tags it with the request id
  // that the logs carry, so that a trace and a log line can be joined.
  subscribe('fastify.initialization', (message) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRequest', (request, _reply, done) => {
      const span = trace.getActiveSpan();
      const route = request.routeOptions.url; // undefined when no route matched (404)
      span?.setAttribute('teeka.request_id', request.id);
      if (route !== undefined) {
        span?.setAttribute('http.route', route);
        span?.updateName(`${request.method} ${route}`);
      }
      done();
    });
  });
  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}

/**
 * An instrumentation patches a module when it is next required, and by now `http` and `pg`
 * are loaded (main.ts imports the server statically; `teeka serve` loads it for the CLI):
 * so require them here. The patches go on the classes' prototypes, which the copies
 * already imported share.
 */
function patchLoadedModules(): void {
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  require('pg');
  // pg's pool class, which pg re-exports (its connect spans show a wait for a connection).
  createRequire(require.resolve('pg'))('pg-pool');
}

async function otlpExporter(config: TracingConfig): Promise<SpanExporter> {
  // Headers (OTEL_EXPORTER_OTLP_HEADERS), timeout and compression come from OpenTelemetry's
  // own variables, read by the exporter.
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url: config.url });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url: config.url });
}

/** Which node sent a span: service, version, instance, host, process, runtime. */
function nodeResource(config: TracingConfig) {
  const { version } = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const defaults = resourceFromAttributes({
    'service.name': 'teeka',
    'service.version': version,
    'service.instance.id': randomUUID(),
    'host.name': hostname(),
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'deployment.environment.name': config.environment,
  });
  // OTEL_RESOURCE_ATTRIBUTES may add or override (region, pod...); OTEL_SERVICE_NAME wins.
  return defaults
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(
      resourceFromAttributes(
        config.serviceName === undefined ? {} : { 'service.name': config.serviceName },
      ),
    );
}

/** Passes spans on with only the allow-listed attributes, no events, links or status text. */
class AllowListExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans.map(allowListed), done);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function allowListed(span: ReadableSpan): ReadableSpan {
  const attributes: Attributes = {};
  let dropped = span.droppedAttributesCount;
  for (const [key, value] of Object.entries(span.attributes)) {
    if (EXPORTED_ATTRIBUTES.has(key)) attributes[key] = value;
    else dropped++;
  }
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    // A database error's message can quote the value it refused.
    status: { code: span.status.code },
    attributes,
    links: [],
    events: [],
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: dropped,
    droppedEventsCount: span.droppedEventsCount + span.events.length,
    droppedLinksCount: span.droppedLinksCount + span.links.length,
  };
}
