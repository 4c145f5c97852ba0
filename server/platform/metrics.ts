import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics for one app instance (each has its own registry, so several apps in
 * one process do not collide). Labels are route patterns and small enumerations only:
 * never a raw URL, id or anything a person typed.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'teeka_' });
  const httpDuration = new Histogram({
    name: 'teeka_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'teeka_rate_limited_total',
    help: 'Requests refused by a rate limit, by limit name',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const rateLimitFallback = new Gauge({
    name: 'teeka_rate_limit_fallback',
    help: '1 while Redis is unreachable and this node counts rate limits on its own (per-node limits); 0 while they are shared, or without REDIS_URL',
    registers: [registry],
  });
  rateLimitFallback.set(0);
  return {
    registry,
    httpDuration,
    rateLimited,
    rateLimitFallback,
    events: eventMetrics(registry),
    recorded: recordedMetrics(registry),
    smsSent: new Counter({
      name: 'teeka_sms_sent_total',
      help: 'SMS handed to the SMS gateway (or the development outbox), by kind (otp, notice)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What the drive did, counted once its transaction committed (a refused or replayed call counts nothing). */
function recordedMetrics(registry: Registry) {
  return {
    bookings: new Counter({
      name: 'teeka_bookings_total',
      help: 'Appointments booked by citizens (one per confirmation number)',
      registers: [registry],
    }),
    doses: new Counter({
      name: 'teeka_doses_recorded_total',
      help: 'Doses recorded at a centre',
      labelNames: ['dose'] as const,
      registers: [registry],
    }),
    certificates: new Counter({
      name: 'teeka_certificates_issued_total',
      help: 'Certificates issued, by reason (dose recorded, correction approved)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    otpsSent: new Counter({
      name: 'teeka_otps_sent_total',
      help: 'OTPs sent by SMS, by purpose (citizen-login, partner-consent)',
      labelNames: ['purpose'] as const,
      registers: [registry],
    }),
  };
}

export type RecordedMetrics = ReturnType<typeof recordedMetrics>;

export interface OutboxLag {
  pending: number;
  /** Age of the oldest event not yet published (or, without NATS, not yet consumed). */
  oldestAgeSeconds: number;
}

/** Events through the outbox, the relay and the consumers; labels are topic and consumer names. */
function eventMetrics(registry: Registry) {
  let source: (() => Promise<OutboxLag>) | undefined;
  let reading: { at: number; lag: Promise<OutboxLag | undefined> } | undefined;
  // One query serves both gauges of a scrape; a database that does not answer leaves them unset.
  const lag = () => {
    if (!reading || Date.now() - reading.at > 1000) {
      reading = {
        at: Date.now(),
        lag: source ? source().catch(() => undefined) : Promise.resolve(undefined),
      };
    }
    return reading.lag;
  };
  return {
    /** The outbox tells the gauges where to read the lag (the database it lives in). */
    readLagFrom(read: () => Promise<OutboxLag>) {
      source = read;
    },
    pending: new Gauge({
      name: 'teeka_outbox_pending',
      help: 'Events in the outbox not yet published (or, without NATS, not yet consumed)',
      registers: [registry],
      async collect() {
        const value = await lag();
        if (value) this.set(value.pending);
      },
    }),
    oldestAge: new Gauge({
      name: 'teeka_outbox_oldest_age_seconds',
      help: 'Age of the oldest event waiting in the outbox (0 when it is empty): the outbox lag',
      registers: [registry],
      async collect() {
        const value = await lag();
        if (value) this.set(value.oldestAgeSeconds);
      },
    }),
    published: new Counter({
      name: 'teeka_events_published_total',
      help: 'Events published to JetStream by the relay (duplicates JetStream dropped not counted)',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    consumed: new Counter({
      name: 'teeka_events_consumed_total',
      help: 'Events handled by a consumer; outcome done, or duplicate for a redelivery it had already handled',
      labelNames: ['consumer', 'topic', 'outcome'] as const,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'teeka_events_failed_total',
      help: 'Failed attempts of a consumer at an event (each is retried with backoff)',
      labelNames: ['consumer', 'topic'] as const,
      registers: [registry],
    }),
    dead: new Counter({
      name: 'teeka_events_dead_total',
      help: 'Events a consumer gave up on (dead letters in processed_events)',
      labelNames: ['consumer', 'topic'] as const,
      registers: [registry],
    }),
  };
}

export type EventMetrics = ReturnType<typeof eventMetrics>;
