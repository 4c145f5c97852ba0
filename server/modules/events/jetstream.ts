import {
  AckPolicy,
  connect,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  nanos,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
} from 'nats';

import type { EventConsumer, RetryPolicy } from './consumers.js';
import type { SealedEvent } from './outbox.js';

export class NatsUnavailableError extends Error {
  override name = 'NatsUnavailableError';
}

/** A re-publish within this window (a relay that crashed after publishing) is dropped by JetStream. */
const DUPLICATE_WINDOW_MS = 5 * 60_000;
/** Nothing stays in the stream longer, handled or not (it holds encrypted payloads). */
const MAX_AGE_MS = 24 * 3600_000;
/** Longer than any consumer takes (the SMS gateway times out after 5 s); then redelivered. */
const ACK_WAIT_MS = 30_000;
const PUBLISH_TIMEOUT_MS = 5_000;
/** Messages one node works on at once, per consumer. */
const CONCURRENCY = 32;

export interface JetStreamLink {
  stream: string;
  /** Publishes sealed events, each with its id as Nats-Msg-Id; says which were stored. */
  publish(
    events: SealedEvent[],
  ): Promise<{ stored: SealedEvent[]; failed: SealedEvent[]; duplicates: Set<string> }>;
  /** Pulls from each consumer's durable JetStream consumer until closed. */
  consume(consumer: EventConsumer, handle: (message: JsMsg) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects and makes sure the stream and one durable pull consumer per consumer exist.
 * Every node runs this at start; creating what already exists with the same settings is a
 * no-op, and a changed setting is applied. The stream keeps a message only while some
 * consumer still has to handle it (interest retention).
 */
export async function connectJetStream({
  servers,
  prefix,
  consumers,
  retry,
  ackWaitMs = ACK_WAIT_MS,
}: {
  servers: string;
  prefix: string;
  consumers: readonly EventConsumer[];
  retry: RetryPolicy;
  ackWaitMs?: number;
}): Promise<JetStreamLink> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: servers.split(',').map((s) => s.trim()),
      name: `teeka-${process.pid}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      timeout: 5000,
    });
  } catch {
    throw new NatsUnavailableError(
      'NATS_URL is set but NATS is not reachable there; start NATS or unset NATS_URL.',
    );
  }
  const stream = `${prefix}-events`;
  const subject = (topic: string) => `${prefix}.events.${topic}`;
  const jsm = await nc.jetstreamManager();
  const streamConfig = {
    subjects: [`${prefix}.events.>`],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(MAX_AGE_MS),
  };
  try {
    await jsm.streams.add({ name: stream, ...streamConfig });
  } catch {
    // It exists with other settings (an older node made it): bring it to these.
    await jsm.streams.update(stream, {
      subjects: streamConfig.subjects,
      max_age: streamConfig.max_age,
      duplicate_window: streamConfig.duplicate_window,
    });
  }
  for (const consumer of consumers) {
    const settings = {
      filter_subject: subject(consumer.topic),
      ack_wait: nanos(ackWaitMs),
      // A backstop: the consumer gives up itself after retry.attempts (a dead letter); more
      // deliveries mean nodes died while handling the event.
      max_deliver: retry.attempts + 2,
      max_ack_pending: 1000,
    };
    try {
      await jsm.consumers.add(stream, {
        durable_name: consumer.name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ...settings,
      });
    } catch {
      await jsm.consumers.update(stream, consumer.name, settings);
    }
  }
  const js: JetStreamClient = nc.jetstream();
  const open = new Set<ConsumerMessages>();
  const running = new Set<Promise<void>>();

  return {
    stream,
    async publish(events) {
      const results = await Promise.allSettled(
        events.map((event) =>
          js.publish(subject(event.topic), JSON.stringify(event), {
            msgID: event.id,
            expect: { streamName: stream },
            timeout: PUBLISH_TIMEOUT_MS,
          }),
        ),
      );
      const stored: SealedEvent[] = [];
      const failed: SealedEvent[] = [];
      const duplicates = new Set<string>();
      results.forEach((result, i) => {
        const event = events[i];
        if (!event) return;
        if (result.status === 'rejected') return failed.push(event);
        if (result.value.duplicate) duplicates.add(event.id);
        stored.push(event);
      });
      return { stored, failed, duplicates };
    },
    async consume(consumer, handle) {
      const messages = await (
        await js.consumers.get(stream, consumer.name)
      ).consume({
        max_messages: CONCURRENCY * 2,
      });
      open.add(messages);
      const active = new Set<Promise<void>>();
      const loop = (async () => {
        for await (const message of messages) {
          while (active.size >= CONCURRENCY) await Promise.race(active);
          const work = handle(message).finally(() => active.delete(work));
          active.add(work);
        }
        await Promise.all(active);
      })();
      running.add(loop);
    },
    async close() {
      for (const messages of open) messages.stop();
      await Promise.allSettled(running);
      await nc.drain().catch(() => nc.close());
    },
  };
}
