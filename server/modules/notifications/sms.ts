import { z } from 'zod';

import type { Db } from '../../db/index.js';
import { Unavailable } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Metrics } from '../../platform/metrics.js';
import type { Sms } from '../../platform/sms.js';
import { defineConsumer } from '../events/consumers.js';
import type { EventBus } from '../events/module.js';
import type { Outbox } from '../events/outbox.js';

/** SMS go out through the outbox, so that a slow or failing gateway never holds up the change that sends one. */
export const SMS_TOPIC = 'notification.sms';

const smsPayload = z.object({
  to: z.string().regex(/^[6-9]\d{9}$/),
  text: z.string().min(1).max(1000),
  kind: z.enum(['otp', 'notice']),
  /** When the message was asked for: the time the development outbox shows. */
  at: z.iso.datetime(),
  /** An OTP is worthless after it expires: a late delivery is skipped, not sent. */
  expiresAt: z.iso.datetime().optional(),
});

export type SmsMessage = z.infer<typeof smsPayload>;

/** Queues an SMS in the caller's transaction; the id is the event's. */
export function queueSms(outbox: Pick<Outbox, 'add'>, tx: Db, key: string, message: SmsMessage) {
  return outbox.add(tx, { topic: SMS_TOPIC, key, payload: message });
}

/**
 * Hands a just-committed OTP SMS on at once. A sender that refuses within `waitMs` is
 * answered 503 and the SMS is dropped, so an OTP the caller was told to ask for again never
 * goes out later; a slow sender no longer holds the request (the relay retries it).
 */
export async function deliverOtpNow(
  events: Pick<EventBus, 'deliverNow' | 'discard'>,
  id: string,
  waitMs: number,
  refusal: string,
): Promise<void> {
  if ((await events.deliverNow(id, waitMs)) === 'failed') {
    await events.discard(id);
    throw new Unavailable(refusal, 'sms-unavailable', 30);
  }
}

/**
 * Sends queued SMS with the configured sender (gateway, development outbox file or log).
 * Sending is an effect outside the database: at least once, so a node that dies between
 * sending and recording it may send a message twice, never zero times.
 */
export function smsConsumer({
  sms,
  clock,
  metrics,
}: {
  sms: Sms;
  clock: Clock;
  metrics: Pick<Metrics, 'smsSent'> | undefined;
}) {
  return defineConsumer({
    name: 'sms',
    topic: SMS_TOPIC,
    payload: smsPayload,
    effect: 'external',
    async handle(_db, { payload }) {
      if (payload.expiresAt && Date.parse(payload.expiresAt) <= clock.now().getTime()) return;
      await sms.send(payload.to, payload.text, new Date(payload.at));
      metrics?.smsSent.inc({ kind: payload.kind });
    },
  });
}
