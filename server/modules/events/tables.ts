import type { Generated } from 'kysely';

export type ConsumerOutcome = 'done' | 'dead';

export interface EventTables {
  outbox_events: {
    id: string;
    seq: Generated<number>;
    topic: string;
    key: string | null;
    payload_enc: string;
    created_at: Date;
    available_at: Date;
    claimed_until: Date | null;
    attempts: Generated<number>;
    last_error: string | null;
  };
  processed_events: {
    consumer: string;
    event_id: string;
    topic: string;
    outcome: ConsumerOutcome;
    attempts: number;
    error: string | null;
    processed_at: Date;
  };
}
