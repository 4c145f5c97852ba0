import type { FastifyBaseLogger } from 'fastify';
import type { JsMsg } from 'nats';
import { z } from 'zod';

import type { Config } from '../../config.js';
import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { EventMetrics } from '../../platform/metrics.js';
import {
  backoffMs,
  createConsumerRunner,
  DEFAULT_RETRY,
  type EventConsumer,
  failureName,
  PoisonEvent,
  type RetryPolicy,
} from './consumers.js';
import { connectJetStream, type JetStreamLink } from './jetstream.js';
import { createOutbox, type DeliveredEvent, UnreadableEvent } from './outbox.js';
import { createEventStore, type OutboxRow } from './store.js';

const BATCH = 100;
/** How long a node holds claimed rows; a node that dies frees them after this. */
const LEASE_MS = 30_000;
/** Handled-event records outlive any redelivery (JetStream keeps a message 24 h at most). */
const PROCESSED_RETENTION_MS = 48 * 3600_000;
const PURGE_EVERY_MS = 10 * 60_000;
/**
 * A relay leaves an event this long to the node that wrote it, which hands it on itself
 * (deliverNow) right after its commit: a request that waits for its SMS then finds it sent,
 * not taken by another node a moment earlier. Relays take what that node missed.
 */
const HANDOFF_GRACE_MS = 1000;

const sealedEvent = z.object({
  id: z.uuid(),
  topic: z.string().max(100),
  key: z.string().max(200).nullable(),
  createdAt: z.iso.datetime(),
  payloadEnc: z.string().max(1_000_000),
});

/** What became of an event handed on at once after its transaction committed. */
export type Delivery = 'delivered' | 'published' | 'failed' | 'later';

/**
 * The event backbone: the transactional outbox, and what carries its events to consumers.
 * With NATS_URL, a relay on every node claims committed events, publishes them to JetStream
 * and deletes them; durable pull consumers shared by all nodes hand each event to one node.
 * Without it, every node drains the outbox itself and runs the same consumers in process.
 */
export function createEventBus({
  db,
  keys,
  clock,
  config,
  log,
  metrics,
  retry = DEFAULT_RETRY,
  pollMs = 250,
  ackWaitMs,
}: {
  db: Db;
  keys: KeyRing;
  clock: Clock;
  config: Pick<Config, 'natsUrl' | 'natsPrefix'>;
  log?: FastifyBaseLogger;
  metrics?: EventMetrics;
  retry?: RetryPolicy;
  /** How often an idle node looks for events it has not been told about. */
  pollMs?: number;
  /** JetStream redelivers an event not acknowledged within this time. */
  ackWaitMs?: number;
}) {
  const store = createEventStore();
  const outbox = createOutbox({ store, keys, clock });
  const runner = createConsumerRunner({ db, store, clock, log, metrics });
  const consumers: EventConsumer[] = [];
  const working = new Set<Promise<unknown>>();
  let link: JetStreamLink | undefined;
  let started = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  metrics?.readLagFrom(async () => {
    const { pending, oldest } = await store.lag(db);
    const age = oldest ? (clock.now().getTime() - oldest.getTime()) / 1000 : 0;
    return { pending, oldestAgeSeconds: Math.max(0, age) };
  });

  const later = (attempts: number) => new Date(clock.now().getTime() + backoffMs(retry, attempts));
  const track = <T>(work: Promise<T>): Promise<T> => {
    working.add(work);
    void work.finally(() => working.delete(work)).catch(() => undefined);
    return work;
  };

  /** In process: every consumer of the row's topic, then the row goes (or waits for a retry). */
  async function consumeRow(row: OutboxRow): Promise<'delivered' | 'failed'> {
    const interested = consumers.filter((c) => c.topic === row.topic);
    let event: DeliveredEvent;
    try {
      event = outbox.open(outbox.seal(row));
    } catch (error) {
      for (const consumer of interested) await runner.bury(consumer, row, row.attempts, error);
      await store.remove(db, [row.id]);
      return 'failed';
    }
    const failures: [EventConsumer, unknown][] = [];
    for (const consumer of interested) {
      try {
        await runner.deliver(consumer, event, row.attempts);
      } catch (error) {
        if (error instanceof PoisonEvent) await runner.bury(consumer, event, row.attempts, error);
        else failures.push([consumer, error]);
      }
    }
    if (failures.length > 0 && row.attempts < retry.attempts) {
      await store.retryLater(db, row.id, later(row.attempts), failureName(failures[0]?.[1]));
      return 'failed';
    }
    for (const [consumer, error] of failures)
      await runner.bury(consumer, event, row.attempts, error);
    await store.remove(db, [row.id]);
    return failures.length === 0 ? 'delivered' : 'failed';
  }

  /** With NATS: publish, then delete what JetStream stored. A crash in between re-publishes under the same id. */
  async function publishRows(rows: OutboxRow[]): Promise<Set<string>> {
    if (!link || rows.length === 0) return new Set();
    const { stored, failed, duplicates } = await link.publish(rows.map((r) => outbox.seal(r)));
    await store.remove(
      db,
      stored.map((e) => e.id),
    );
    for (const event of stored) {
      if (!duplicates.has(event.id)) metrics?.published.inc({ topic: event.topic });
    }
    for (const event of failed) {
      const row = rows.find((r) => r.id === event.id);
      await store.retryLater(db, event.id, later(row?.attempts ?? 1), 'PublishFailed');
    }
    if (failed.length > 0)
      log?.warn(
        { events: failed.length },
        'JetStream did not take some events; they will be re-published',
      );
    return new Set(stored.map((e) => e.id));
  }

  /** Claims one batch of due events (written before `graceMs` ago) and hands it on; how many there were. */
  async function pumpOnce(graceMs: number): Promise<number> {
    const now = clock.now();
    const rows = await store.claim(db, {
      now,
      until: new Date(now.getTime() + LEASE_MS),
      limit: BATCH,
      writtenBefore: new Date(now.getTime() - graceMs),
    });
    if (link) await publishRows(rows);
    else await Promise.all(rows.map((row) => consumeRow(row)));
    return rows.length;
  }

  /** A JetStream delivery: ack after the consumer's commit, retry with backoff, bury at the end. */
  async function onMessage(consumer: EventConsumer, message: JsMsg): Promise<void> {
    const attempts = message.info.deliveryCount;
    let event: DeliveredEvent;
    try {
      const sealed = sealedEvent.safeParse(JSON.parse(message.string()));
      if (!sealed.success) throw new UnreadableEvent('The message is not a sealed event.');
      event = outbox.open(sealed.data);
    } catch (error) {
      const id = message.headers?.get('Nats-Msg-Id') ?? '';
      if (z.uuid().safeParse(id).success) {
        await runner
          .bury(consumer, { id, topic: consumer.topic }, attempts, error)
          .catch(() => undefined);
      } else {
        metrics?.dead.inc({ consumer: consumer.name, topic: consumer.topic });
        log?.error(
          { consumer: consumer.name, error: failureName(error) },
          'an unreadable message was dropped',
        );
      }
      message.term();
      return;
    }
    try {
      await runner.deliver(consumer, event, attempts);
      message.ack();
    } catch (error) {
      if (error instanceof PoisonEvent || attempts >= retry.attempts) {
        try {
          await runner.bury(consumer, event, attempts, error);
          message.term();
        } catch {
          message.nak(backoffMs(retry, attempts));
        }
      } else {
        message.nak(backoffMs(retry, attempts));
      }
    }
  }

  async function runLoop(): Promise<void> {
    let lastPurge = 0;
    while (!stopped) {
      let claimed = 0;
      try {
        claimed = await pumpOnce(HANDOFF_GRACE_MS);
        if (Date.now() - lastPurge > PURGE_EVERY_MS) {
          lastPurge = Date.now();
          await store.forgetProcessedBefore(
            db,
            new Date(clock.now().getTime() - PROCESSED_RETENTION_MS),
          );
        }
      } catch (error) {
        log?.error(
          { error: failureName(error) },
          'the outbox relay could not claim events; it will try again',
        );
      }
      if (claimed < BATCH) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  return {
    outbox,
    get mode(): 'jetstream' | 'in-process' {
      return config.natsUrl ? 'jetstream' : 'in-process';
    },
    /** Before start: consumers are fixed when the JetStream consumers are made. */
    register(consumer: EventConsumer) {
      if (started) throw new Error('Register event consumers before the event bus starts.');
      if (consumers.some((c) => c.name === consumer.name))
        throw new Error(`Two event consumers are named ${consumer.name}.`);
      consumers.push(consumer);
    },
    /** Connects to JetStream (with NATS_URL) and starts this node's relay and consumers. */
    async start() {
      started = true;
      if (config.natsUrl) {
        const connected = await connectJetStream({
          servers: config.natsUrl,
          prefix: config.natsPrefix,
          consumers,
          retry,
          ...(ackWaitMs ? { ackWaitMs } : {}),
        });
        link = connected;
        for (const consumer of consumers) {
          await connected.consume(consumer, (message) => onMessage(consumer, message));
        }
      }
      loop = runLoop();
    },
    /**
     * Hands a just-committed event on at once instead of at the next poll: in process, runs
     * its consumers here (at most `waitMs`, then the caller goes on and the work continues);
     * with NATS, publishes it. 'later' when another node holds it or the time ran out.
     */
    async deliverNow(id: string, waitMs: number): Promise<Delivery> {
      const work = track(
        (async (): Promise<Delivery> => {
          const now = clock.now();
          const [row] = await store.claim(db, {
            now,
            until: new Date(now.getTime() + LEASE_MS),
            limit: 1,
            id,
          });
          if (!row) return 'later';
          if (link) return (await publishRows([row])).has(id) ? 'published' : 'later';
          return consumeRow(row);
        })(),
      );
      if (waitMs <= 0) return 'later';
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<Delivery>((resolve) => {
        timer = setTimeout(() => resolve('later'), waitMs);
      });
      try {
        return await Promise.race([work.catch((): Delivery => 'later'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    /** Drops an event that has not been handed on (its purpose is gone, e.g. a refused OTP). */
    async discard(id: string) {
      await store.remove(db, [id]);
    },
    /** Hands on everything due now (tools, benchmarks and tests that cannot wait for a poll). */
    async drain(): Promise<void> {
      while ((await pumpOnce(0)) === BATCH);
    },
    /** Stops claiming, waits for work in progress, closes the JetStream connection. */
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await Promise.allSettled(working);
      await link?.close();
    },
  };
}

export type EventBus = ReturnType<typeof createEventBus>;
