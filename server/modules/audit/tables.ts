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
    actor_org: string | null;
  };
  audit_leaves: { leaf_index: number; record_id: number; leaf_hash: Buffer };
  audit_tree_nodes: { level: number; node_index: number; hash: Buffer };
  audit_checkpoints: {
    tree_size: number;
    root_hash: Buffer;
    issued_at: string;
    key_id: string;
    signature: Buffer;
  };
  audit_sequencer: {
    id: number;
    tree_size: number;
    last_record_id: number;
    pending_record_id: number;
    pending_xid: string | null;
  };
}
