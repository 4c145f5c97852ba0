import type { ColumnType, Generated } from 'kysely';

export type AuditOutcome = 'allowed' | 'denied' | 'failed';
export type ActorType = 'citizen' | 'staff' | 'partner' | 'system' | 'anonymous';

export interface AuditTables {
  audit_log: {
    id: Generated<number>;
    txid: Generated<string>;
    at: Generated<Date>;
    actor_type: ActorType;
    actor_id: string | null;
    actor_role: string | null;
    jurisdiction: string | null;
    action: string;
    subject_type: string | null;
    subject_id: string | null;
    outcome: AuditOutcome;
    reason: string | null;
    request_id: string | null;
    client_ip: string | null;
    /** jsonb: written as a JSON string (the same on both engines), read back parsed. */
    details: ColumnType<
      Record<string, string | number | boolean | null>,
      string | undefined,
      never
    >;
  };
}
