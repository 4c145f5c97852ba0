import { type Insertable, sql } from 'kysely';

import type { Db } from '../../db/index.js';
import type { Hash } from './merkle.js';
import type { TrailQuery, TrailRecord } from './schemas.js';
import type { AuditTables } from './tables.js';

type NewAuditRow = Insertable<AuditTables['audit_log']>;
export type TrailFilter = Omit<TrailQuery, 'limit'>;

/** A record exactly as it is hashed into the tree (see recordCanonicalBytes). */
export type HashableRecord = TrailRecord;

export interface StoredCheckpoint {
  treeSize: number;
  rootHash: Hash;
  issuedAt: string;
  keyId: string;
  signature: Buffer;
}

/** PGlite returns bytea as Uint8Array, node-postgres as Buffer: one type for the rest of the code. */
const bytes = (value: Uint8Array): Buffer =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength);

export function createAuditStore() {
  const hashable = (tx: Db) =>
    tx.selectFrom('audit_log').select([
      'id',
      // Microseconds in UTC, as text: a JavaScript Date would drop them, and a change to
      // them must change the hash.
      sql<string>`to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at'),
      'actor_type',
      'actor_id',
      'actor_role',
      'actor_org',
      'jurisdiction',
      'action',
      'subject_type',
      'subject_id',
      'outcome',
      'reason',
      'request_id',
      'client_ip',
      'details',
    ]);

  return {
    async insert(tx: Db, row: NewAuditRow): Promise<void> {
      await tx.insertInto('audit_log').values(row).execute();
    },

    /** Records after `afterId`, up to `upToId` if given, in id order. */
    async hashableRecords(
      tx: Db,
      afterId: number,
      limit: number,
      upToId?: number,
    ): Promise<HashableRecord[]> {
      let query = hashable(tx).where('id', '>', afterId).orderBy('id');
      if (upToId !== undefined) query = query.where('id', '<=', upToId);
      return query.limit(limit).execute();
    },

    /** A page of the trail, newest first: up to `limit` records matching every filter given. */
    async trailPage(tx: Db, filter: TrailFilter, limit: number): Promise<HashableRecord[]> {
      let query = hashable(tx);
      if (filter.before !== undefined) query = query.where('id', '<', filter.before);
      // Compared as the database reads them, to the microsecond the trail publishes.
      if (filter.from !== undefined) {
        query = query.where('at', '>=', sql<Date>`${filter.from}::timestamptz`);
      }
      if (filter.to !== undefined)
        query = query.where('at', '<', sql<Date>`${filter.to}::timestamptz`);
      if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      if (filter.actor !== undefined) {
        query = query.where('actor_type', '=', 'staff').where('actor_id', '=', filter.actor);
      }
      if (filter.subject_type !== undefined) {
        query = query.where('subject_type', '=', filter.subject_type);
      }
      if (filter.subject_id !== undefined)
        query = query.where('subject_id', '=', filter.subject_id);
      return query.orderBy('id', 'desc').limit(limit).execute();
    },

    /** The highest record id this transaction can see (committed). */
    async maxVisibleRecordId(tx: Db): Promise<number> {
      const row = await tx
        .selectFrom('audit_log')
        .select((eb) => eb.fn.max('id').as('max'))
        .executeTakeFirst();
      return row?.max ?? 0;
    },

    /** The sequencer's row, unlocked: for readers. */
    async sequencerState(tx: Db) {
      return tx.selectFrom('audit_sequencer').selectAll().executeTakeFirstOrThrow();
    },

    /** The sequencer's row, locked until the transaction ends: one sequencer at a time. */
    async lockSequencer(tx: Db) {
      return tx
        .selectFrom('audit_sequencer')
        .selectAll()
        .where('id', '=', 1)
        .forUpdate()
        .executeTakeFirstOrThrow();
    },

    async saveSequencer(
      tx: Db,
      state: {
        tree_size: number;
        last_record_id: number;
        pending_record_id: number;
        pending_xid: string;
      },
    ) {
      await tx.updateTable('audit_sequencer').set(state).where('id', '=', 1).execute();
    },

    /** The highest record id handed out so far (the sequence may be ahead of visible rows). */
    async highestIssuedId(tx: Db): Promise<number> {
      const { rows } = await sql<{ record_id: string }>`
        SELECT (CASE WHEN is_called THEN last_value ELSE last_value - 1 END)::text AS record_id
        FROM audit_log_id_seq`.execute(tx);
      return Number(rows[0]?.record_id ?? 0);
    },

    /** This transaction's id (xid8, as text), assigned now if it has none. */
    async ownXid(tx: Db): Promise<string> {
      const { rows } = await sql<{ xid: string }>`SELECT pg_current_xact_id()::text AS xid`.execute(
        tx,
      );
      return rows[0]?.xid ?? '';
    },

    /** Whether every transaction older than `xid` has ended (on the whole server). */
    async olderTransactionsEnded(tx: Db, xid: string): Promise<boolean> {
      const { rows } = await sql<{ ended: boolean }>`
        SELECT pg_snapshot_xmin(pg_current_snapshot()) >= ${xid}::xid8 AS ended`.execute(tx);
      return rows[0]?.ended === true;
    },

    async appendLeaves(
      tx: Db,
      leaves: { leaf_index: number; record_id: number; leaf_hash: Hash }[],
    ) {
      if (leaves.length > 0) await tx.insertInto('audit_leaves').values(leaves).execute();
    },

    async appendNodes(tx: Db, nodes: { level: number; node_index: number; hash: Hash }[]) {
      if (nodes.length > 0) await tx.insertInto('audit_tree_nodes').values(nodes).execute();
    },

    /** Hashes of complete subtrees, keyed `level:index` (level 0 = leaf hashes). */
    async subtreeHashes(tx: Db, keys: [number, number][]): Promise<Map<string, Hash>> {
      const found = new Map<string, Hash>();
      const leafIndexes = keys.filter(([level]) => level === 0).map(([, index]) => index);
      const inner = keys.filter(([level]) => level > 0);
      if (leafIndexes.length > 0) {
        const rows = await tx
          .selectFrom('audit_leaves')
          .select(['leaf_index', 'leaf_hash'])
          .where('leaf_index', 'in', leafIndexes)
          .execute();
        for (const row of rows) found.set(`0:${row.leaf_index}`, bytes(row.leaf_hash));
      }
      if (inner.length > 0) {
        const rows = await tx
          .selectFrom('audit_tree_nodes')
          .select(['level', 'node_index', 'hash'])
          .where((eb) =>
            eb.or(
              inner.map(([level, index]) =>
                eb.and([eb('level', '=', level), eb('node_index', '=', index)]),
              ),
            ),
          )
          .execute();
        for (const row of rows) found.set(`${row.level}:${row.node_index}`, bytes(row.hash));
      }
      return found;
    },

    async leafOfRecord(tx: Db, recordId: number) {
      const row = await tx
        .selectFrom('audit_leaves')
        .select(['leaf_index', 'record_id', 'leaf_hash'])
        .where('record_id', '=', recordId)
        .executeTakeFirst();
      return row && { ...row, leaf_hash: bytes(row.leaf_hash) };
    },

    async leavesPage(tx: Db, fromIndex: number, limit: number) {
      const rows = await tx
        .selectFrom('audit_leaves')
        .select(['leaf_index', 'record_id', 'leaf_hash'])
        .where('leaf_index', '>=', fromIndex)
        .orderBy('leaf_index')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...row, leaf_hash: bytes(row.leaf_hash) }));
    },

    async nodesPage(tx: Db, after: [number, number], limit: number) {
      const rows = await tx
        .selectFrom('audit_tree_nodes')
        .select(['level', 'node_index', 'hash'])
        .where((eb) =>
          eb.or([
            eb('level', '>', after[0]),
            eb.and([eb('level', '=', after[0]), eb('node_index', '>', after[1])]),
          ]),
        )
        .orderBy('level')
        .orderBy('node_index')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...row, hash: bytes(row.hash) }));
    },

    async appendCheckpoint(tx: Db, checkpoint: StoredCheckpoint) {
      await tx
        .insertInto('audit_checkpoints')
        .values({
          tree_size: checkpoint.treeSize,
          root_hash: checkpoint.rootHash,
          issued_at: checkpoint.issuedAt,
          key_id: checkpoint.keyId,
          signature: checkpoint.signature,
        })
        .execute();
    },

    async checkpoints(tx: Db, latestOnly = false): Promise<StoredCheckpoint[]> {
      let query = tx.selectFrom('audit_checkpoints').selectAll();
      query = latestOnly ? query.orderBy('tree_size', 'desc').limit(1) : query.orderBy('tree_size');
      const rows = await query.execute();
      return rows.map((row) => ({
        treeSize: row.tree_size,
        rootHash: bytes(row.root_hash),
        issuedAt: row.issued_at,
        keyId: row.key_id,
        signature: bytes(row.signature),
      }));
    },

    /** Who read or changed these beneficiaries' records: roles and organisations, never actor ids. */
    async accessToSubjects(tx: Db, subjectType: string, subjectIds: string[], limit: number) {
      if (subjectIds.length === 0) return [];
      return tx
        .selectFrom('audit_log')
        .select([
          'subject_id',
          'at',
          'action',
          'outcome',
          'reason',
          'actor_type',
          'actor_role',
          'actor_org',
        ])
        .where('subject_type', '=', subjectType)
        .where('subject_id', 'in', subjectIds)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
