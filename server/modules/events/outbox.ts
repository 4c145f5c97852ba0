import { randomUUID } from 'node:crypto';

import { decryptField, encryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import type { EventStore, OutboxRow } from './store.js';

/** Topics are 1 to 4 dotted lower-case words (`appointment.booked`): each becomes a NATS subject. */
const WORD = /^[a-z][a-z0-9-]{0,30}$/;
const validTopic = (topic: string) => {
  const words = topic.split('.');
  return words.length <= 4 && words.every((word) => WORD.test(word));
};

/** Every payload is encrypted: none has to be judged harmless first (OTP texts, numbers). */
const PAYLOAD_PURPOSE = 'outbox-payload';

export interface NewEvent {
  topic: string;
  /** What the event is about (an appointment id, a mobile reference): never personal data. */
  key?: string;
  payload: unknown;
}

export interface DeliveredEvent<P = unknown> {
  id: string;
  topic: string;
  key: string | null;
  createdAt: Date;
  payload: P;
}

/** An event as it travels through JetStream: the payload stays encrypted on the wire and on disk. */
export interface SealedEvent {
  id: string;
  topic: string;
  key: string | null;
  createdAt: string;
  payloadEnc: string;
}

export class UnreadableEvent extends Error {
  override name = 'UnreadableEvent';
}

export function createOutbox({
  store,
  keys,
  clock,
}: {
  store: EventStore;
  keys: KeyRing;
  clock: Clock;
}) {
  return {
    /**
     * Writes an event in the caller's transaction: it is published if and only if that
     * transaction commits. Returns the event id (also its JetStream message id).
     */
    async add(tx: Db, event: NewEvent): Promise<string> {
      if (!validTopic(event.topic)) throw new Error(`Not a valid event topic: ${event.topic}`);
      const id = randomUUID();
      await store.insert(tx, {
        id,
        topic: event.topic,
        key: event.key ?? null,
        payload_enc: encryptField(keys, PAYLOAD_PURPOSE, JSON.stringify(event.payload)),
        created_at: clock.now(),
      });
      return id;
    },
    seal(row: OutboxRow): SealedEvent {
      return {
        id: row.id,
        topic: row.topic,
        key: row.key,
        createdAt: row.created_at.toISOString(),
        payloadEnc: row.payload_enc,
      };
    },
    /** Decrypts a sealed event; UnreadableEvent if it is malformed or under an unknown key. */
    open(sealed: SealedEvent): DeliveredEvent {
      try {
        return {
          id: sealed.id,
          topic: sealed.topic,
          key: sealed.key,
          createdAt: new Date(sealed.createdAt),
          payload: JSON.parse(decryptField(keys, PAYLOAD_PURPOSE, sealed.payloadEnc)) as unknown,
        };
      } catch {
        throw new UnreadableEvent('The event cannot be decrypted or parsed.');
      }
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
