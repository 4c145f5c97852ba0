import { randomBytes } from 'node:crypto';

import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';

import { createKeyRing, type KeyRing } from '../../server/crypto/keys.js';
import type { Db } from '../../server/db/index.js';
import { defineConsumer, type RetryPolicy } from '../../server/modules/events/consumers.js';
import { createEventBus } from '../../server/modules/events/module.js';
import { type Clock, systemClock } from '../../server/platform/clock.js';
import { createMetrics } from '../../server/platform/metrics.js';

/** Fast retries, so that a test reaches the dead letters in milliseconds of (manual) time. */
export const QUICK_RETRY: RetryPolicy = { attempts: 3, baseMs: 1000, maxMs: 4000 };

export const testKeys = (): KeyRing => createKeyRing(new Map([['t', randomBytes(32)]]));

/** A unique JetStream prefix, so that test runs and files never see each other's messages. */
export const natsPrefix = () => `test-${randomBytes(5).toString('hex')}`;

/**
 * A table the test consumers write their effect to (one row per handling), created in the
 * test's own database: it is not part of Teeka's schema.
 */
export async function createEffectsTable(db: Db) {
  await sql`CREATE TABLE IF NOT EXISTS test_effects (consumer text NOT NULL, event_id uuid NOT NULL, n integer NOT NULL)`.execute(
    db,
  );
}

export async function effects(db: Db, consumer?: string) {
  const { rows } = await sql<{ event_id: string; n: number }>`
    SELECT event_id, n FROM test_effects WHERE ${consumer ?? null}::text IS NULL OR consumer = ${consumer ?? null}
  `.execute(db);
  return rows;
}

/** A consumer whose effect is a row in test_effects, written in its transaction; `fails` decides per try. */
export function effectConsumer(
  name: string,
  topic: string,
  fails: (n: number) => boolean = () => false,
) {
  return defineConsumer({
    name,
    topic,
    payload: z.object({ n: z.number().int() }),
    effect: 'database',
    async handle(tx, event) {
      await sql`INSERT INTO test_effects VALUES (${name}, ${event.id}, ${event.payload.n})`.execute(
        tx,
      );
      if (fails(event.payload.n)) throw new Error('the consumer failed on purpose');
    },
  });
}

/** An event bus on a test database, with its own metrics to read counts from. */
export function testBus(
  db: Db,
  {
    keys = testKeys(),
    clock = systemClock,
    natsUrl,
    prefix = natsPrefix(),
    retry = QUICK_RETRY,
    ackWaitMs,
    log,
  }: {
    keys?: KeyRing;
    clock?: Clock;
    natsUrl?: string | undefined;
    prefix?: string;
    retry?: RetryPolicy;
    ackWaitMs?: number;
    log?: FastifyBaseLogger;
  } = {},
) {
  const metrics = createMetrics();
  const bus = createEventBus({
    db,
    keys,
    clock,
    config: { natsUrl, natsPrefix: prefix },
    metrics: metrics.events,
    retry,
    ...(ackWaitMs ? { ackWaitMs } : {}),
    ...(log ? { log } : {}),
  });
  const count = async (name: string, labels: Record<string, string>) => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    return (metric?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { bus, keys, metrics, count, prefix };
}
