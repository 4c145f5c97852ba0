import { randomBytes } from 'node:crypto';

import * as canonicalizeNs from 'canonicalize';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freshDatabase } from '../../../test/helpers/db.js';
import {
  rfcLeafHash,
  rfcTreeHash,
  rfcVerifyConsistency,
  rfcVerifyInclusion,
} from '../../../test/helpers/rfc9162.js';
import { createKeyRing } from '../../crypto/keys.js';
import { manualClock } from '../../platform/clock.js';
import { checkSignature } from './checkpoint.js';
import { createAuditModule, createAuditTrail } from './module.js';

const canonicalize = (canonicalizeNs as unknown as { default: (v: unknown) => string }).default;
const hex = (h: string) => Buffer.from(h, 'hex');

let database: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const keys = createKeyRing(new Map([['t1', randomBytes(32)]]));
const audit = createAuditModule().service;

async function write(count: number, tag: string) {
  for (let i = 0; i < count; i++) {
    await database.db.transaction().execute((tx) =>
      audit.record(
        tx,
        {
          actor: {
            type: 'staff',
            id: `staff-${i}`,
            role: 'vaccinator',
            organisation: 'PHC Rampur',
          },
          action: 'beneficiary.read',
          subject: { type: 'beneficiary', id: `${tag}-${i}` },
          outcome: 'allowed',
          details: { n: i, tag },
        },
        { requestId: `req-${tag}-${i}`, clientIp: '10.0.0.1' },
      ),
    );
  }
}

/** Leaf hashes computed here from the RFC and RFC 8785 alone, in record id order. */
async function independentLeafHashes(): Promise<Buffer[]> {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
           actor_type, actor_id, actor_role, actor_org, jurisdiction, action, subject_type,
           subject_id, outcome, reason, request_id, client_ip, details
    FROM audit_log ORDER BY id`.execute(database.db);
  return rows.map((row) => rfcLeafHash(Buffer.from(canonicalize({ v: 1, ...row }), 'utf8')));
}

describe('the audit Merkle tree over stored records', () => {
  const trail = () => createAuditTrail({ db: database.db, keys, clock: manualClock() });

  it('grows batch by batch; every inclusion and consistency proof verifies independently', async () => {
    const sizes: number[] = [];
    for (const [batch, count] of [1, 2, 1, 5, 8, 3, 13, 1, 7].entries()) {
      await write(count, `b${batch}`);
      const checkpoint = await trail().checkpointNow({ waitMs: 10_000 });
      sizes.push(checkpoint?.treeSize ?? 0);
    }
    expect(sizes).toEqual([1, 3, 4, 9, 17, 20, 33, 34, 41]);

    const leaves = await independentLeafHashes();
    expect(leaves).toHaveLength(41);
    const records = await database.db.selectFrom('audit_log').select('id').orderBy('id').execute();
    const tree = trail().tree;
    for (const size of sizes) {
      const root = rfcTreeHash(leaves.slice(0, size));
      expect(
        (await database.db.transaction().execute((tx) => tree.rootAt(tx, size))).equals(root),
      ).toBe(true);
      for (let m = 0; m < size; m++) {
        const proof = await database.db
          .transaction()
          .execute((tx) => tree.inclusionProof(tx, records[m]?.id as number, size));
        expect(proof.leafIndex).toBe(m);
        expect(proof.rootHash).toBe(root.toString('hex'));
        expect(rfcVerifyInclusion(m, size, leaves[m] as Buffer, proof.path.map(hex), root)).toBe(
          true,
        );
      }
    }
    for (let n = 1; n <= 41; n += 3) {
      for (let m = 1; m <= n; m++) {
        const proof = await database.db
          .transaction()
          .execute((tx) => tree.consistencyProof(tx, m, n));
        expect(
          rfcVerifyConsistency(
            m,
            n,
            rfcTreeHash(leaves.slice(0, m)),
            rfcTreeHash(leaves.slice(0, n)),
            proof.proof.map(hex),
          ),
        ).toBe(true);
      }
    }
  });

  it('signs a checkpoint only when the tree grew, verifiable with the published key', async () => {
    const first = await trail().checkpointNow({ waitMs: 10_000 });
    if (!first) throw new Error('no checkpoint');
    const again = await trail().checkpointNow({ waitMs: 10_000 });
    expect(again).toEqual(first);
    const stored = await database.db.selectFrom('audit_checkpoints').select('tree_size').execute();
    expect(new Set(stored.map((row) => row.tree_size)).size).toBe(stored.length);
    expect(() => checkSignature(trail().key, first)).not.toThrow();
    const otherKey = createAuditTrail({
      db: database.db,
      keys: createKeyRing(new Map([['x', randomBytes(32)]])),
      clock: manualClock(),
    }).key;
    expect(() => checkSignature(otherKey, first)).toThrow(/not this log's audit key/);
    expect(() => checkSignature(otherKey, { ...first, keyId: otherKey.keyId })).toThrow(
      /valid signature/,
    );
  });

  it('answers proofs for unknown records and impossible sizes with clear 4xx errors', async () => {
    const tree = trail().tree;
    const run = <T>(fn: (tx: typeof database.db) => Promise<T>) =>
      database.db.transaction().execute(fn);
    await expect(run((tx) => tree.inclusionProof(tx, 999_999))).rejects.toMatchObject({
      status: 404,
      code: 'audit-record-not-in-tree',
    });
    const { record_id: sixth } = await database.db
      .selectFrom('audit_leaves')
      .select('record_id')
      .where('leaf_index', '=', 5)
      .executeTakeFirstOrThrow();
    await expect(run((tx) => tree.inclusionProof(tx, sixth, 3))).rejects.toMatchObject({
      status: 400,
    });
    await expect(run((tx) => tree.inclusionProof(tx, sixth, 10_000))).rejects.toMatchObject({
      status: 400,
    });
    for (const [m, n] of [
      [0, 5],
      [6, 5],
      [1, 10_000],
      [-1, 3],
      [1.5, 3],
    ] as const) {
      await expect(run((tx) => tree.consistencyProof(tx, m, n))).rejects.toMatchObject({
        status: 400,
        code: 'audit-bad-tree-size',
      });
    }
  });

  it('keeps leaves, subtree hashes and checkpoints append-only in the database', async () => {
    for (const table of ['audit_leaves', 'audit_tree_nodes', 'audit_checkpoints']) {
      await expect(sql`DELETE FROM ${sql.table(table)}`.execute(database.db)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`TRUNCATE ${sql.table(table)}`.execute(database.db)).rejects.toThrow(
        /append-only/,
      );
    }
    await expect(
      sql`UPDATE audit_leaves SET record_id = record_id + 1000`.execute(database.db),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`UPDATE audit_checkpoints SET tree_size = 1`.execute(database.db),
    ).rejects.toThrow(/append-only/);
  });
});
