import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';

import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { EventMetrics } from '../../platform/metrics.js';
import type { DeliveredEvent } from './outbox.js';
import type { EventStore } from './store.js';

/** Consumer names are JetStream durable names as well: no dots, no spaces. */
const NAME = /^[a-z][a-z0-9-]{0,60}$/;

export interface EventConsumer<P = unknown> {
  /** Shared by every node: each event reaches one node's copy of the consumer. */
  name: string;
  /** One topic per consumer: a JetStream consumer of NATS 2.9 filters on one subject. */
  topic: string;
  /** A payload that does not parse is a poison event: dead at once, never retried. */
  payload: z.ZodType<P>;
  /**
   * `database`: `handle` writes through `tx`, the transaction that also records the event as
   * processed, so its effect happens exactly once however often the event is delivered.
   * `external` (an SMS, a webhook): `handle` runs outside any transaction, and the event is
   * recorded as processed after it returns: at least once, duplicated only by a crash in
   * between.
   */
  effect: 'database' | 'external';
  handle(tx: Db, event: DeliveredEvent<P>): Promise<void>;
}

/** Lets a registry of consumers hold each one's own payload type. */
export function defineConsumer<P>(consumer: EventConsumer<P>): EventConsumer {
  if (!NAME.test(consumer.name)) throw new Error(`Not a valid consumer name: ${consumer.name}`);
  return consumer;
}

export interface RetryPolicy {
  /** Attempts before an event goes to the dead letters. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/** About two minutes of tries: 1, 2, 4, ... seconds, at most a minute apart. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 1000, maxMs: 60_000 };

export const backoffMs = (policy: RetryPolicy, attempt: number) =>
  Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));

/** The event itself is unusable (undecryptable, or a payload the consumer cannot read). */
export class PoisonEvent extends Error {
  override name = 'PoisonEvent';
}

/** A name for what went wrong, safe to store and log: error messages may carry data. */
export const failureName = (error: unknown) =>
  (error instanceof Error ? error.name : 'Error').slice(0, 100);

export type Handled = 'done' | 'duplicate';

/**
 * Runs one consumer on one event, idempotently: a delivery of an event the consumer has
 * already handled (a redelivery after a crash, a re-publish) changes nothing.
 */
export function createConsumerRunner({
  db,
  store,
  clock,
  log,
  metrics,
}: {
  db: Db;
  store: EventStore;
  clock: Clock;
  log: FastifyBaseLogger | undefined;
  metrics: EventMetrics | undefined;
}) {
  const row = (consumer: EventConsumer, event: DeliveredEvent, attempts: number) => ({
    consumer: consumer.name,
    event_id: event.id,
    topic: event.topic,
    attempts,
    processed_at: clock.now(),
  });

  async function run(
    consumer: EventConsumer,
    event: DeliveredEvent,
    attempts: number,
  ): Promise<Handled> {
    const parsed = consumer.payload.safeParse(event.payload);
    if (!parsed.success) throw new PoisonEvent('The payload does not match the consumer.');
    const typed = { ...event, payload: parsed.data };
    if (consumer.effect === 'database') {
      return db.transaction().execute(async (tx) => {
        // On PostgreSQL a concurrent delivery of the same event waits here for this
        // transaction, then finds the row and does nothing.
        const first = await store.record(tx, {
          ...row(consumer, event, attempts),
          outcome: 'done',
          error: null,
        });
        if (!first) return 'duplicate';
        await consumer.handle(tx, typed);
        return 'done';
      });
    }
    if ((await store.outcome(db, consumer.name, event.id)) !== undefined) return 'duplicate';
    await consumer.handle(db, typed);
    await store.record(db, { ...row(consumer, event, attempts), outcome: 'done', error: null });
    return 'done';
  }

  return {
    /** Runs the consumer; counts the outcome. Throws what the consumer threw. */
    async deliver(consumer: EventConsumer, event: DeliveredEvent, attempts: number) {
      try {
        const handled = await run(consumer, event, attempts);
        metrics?.consumed.inc({ consumer: consumer.name, topic: event.topic, outcome: handled });
        return handled;
      } catch (error) {
        metrics?.failed.inc({ consumer: consumer.name, topic: event.topic });
        log?.warn(
          {
            consumer: consumer.name,
            topic: event.topic,
            eventId: event.id,
            attempts,
            error: failureName(error),
          },
          'event consumer attempt failed',
        );
        throw error;
      }
    },
    /** Gives up on an event for one consumer: a dead letter, logged without its payload. */
    async bury(
      consumer: Pick<EventConsumer, 'name'>,
      event: Pick<DeliveredEvent, 'id' | 'topic'>,
      attempts: number,
      error: unknown,
    ) {
      await store.record(db, {
        consumer: consumer.name,
        event_id: event.id,
        topic: event.topic,
        attempts,
        processed_at: clock.now(),
        outcome: 'dead',
        error: failureName(error),
      });
      metrics?.dead.inc({ consumer: consumer.name, topic: event.topic });
      log?.error(
        {
          consumer: consumer.name,
          topic: event.topic,
          eventId: event.id,
          attempts,
          error: failureName(error),
        },
        'event consumer gave up: the event is a dead letter',
      );
    },
  };
}

export type ConsumerRunner = ReturnType<typeof createConsumerRunner>;
