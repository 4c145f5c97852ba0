import type { Db } from '../../db/index.js';
import {
  type AuditKey,
  type CheckpointDocument,
  CheckpointError,
  checkSignature,
  toDocument,
} from './checkpoint.js';
import { buildLevels, type Hash, rangeHashFromLevels } from './merkle.js';
import type { AuditStore, HashableRecord } from './store.js';
import { recordLeafHash } from './tree.js';

export type VerifyResult =
  | { ok: true; treeSize: number; rootHash: string; checkpoints: number; unsequenced: number }
  | { ok: false; problem: string };

const PAGE = 10_000;

/**
 * Recomputes the tree from the stored records and checks it against the stored leaves,
 * the stored subtree hashes and every signed checkpoint (stored, and the external one if
 * given). The first problem found is returned, naming the record where it can.
 */
export async function verifyAuditLog(
  db: Db,
  { store, key, external }: { store: AuditStore; key: AuditKey; external?: CheckpointDocument },
): Promise<VerifyResult> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      const fail = (problem: string): VerifyResult => ({ ok: false, problem });
      const hashes: Hash[] = [];
      let records: HashableRecord[] = [];
      let recordAt = 0;
      let afterId = 0;
      const nextRecord = async (): Promise<HashableRecord | undefined> => {
        if (recordAt === records.length) {
          records = await store.hashableRecords(tx, afterId, PAGE);
          recordAt = 0;
          afterId = records.at(-1)?.id ?? afterId;
        }
        return records[recordAt++];
      };

      // Walk the leaves (tree order) and the records (id order) side by side.
      let record = await nextRecord();
      for (let from = 0; ;) {
        const leaves = await store.leavesPage(tx, from, PAGE);
        if (leaves.length === 0) break;
        for (const leaf of leaves) {
          const where = `leaf ${leaf.leaf_index} (record ${leaf.record_id})`;
          if (leaf.leaf_index !== hashes.length) {
            return fail(`The tree is missing leaf ${hashes.length}: the leaves table was altered.`);
          }
          if (!record) {
            return fail(`The log was truncated: ${where} and every record after it are missing.`);
          }
          if (record.id < leaf.record_id) {
            return fail(
              `Record ${record.id} was inserted: it is not in the tree, yet it sits before ${where}.`,
            );
          }
          if (record.id > leaf.record_id) {
            return fail(`Record ${leaf.record_id} (leaf ${leaf.leaf_index}) was removed.`);
          }
          const hash = recordLeafHash(record);
          if (!hash.equals(leaf.leaf_hash)) {
            return fail(
              `Record ${record.id} (leaf ${leaf.leaf_index}) was changed, or records were reordered: its content no longer hashes to the leaf the tree holds.`,
            );
          }
          hashes.push(hash);
          record = await nextRecord();
        }
        from += leaves.length;
      }
      // Past the last leaf, a record the sequencer already passed over cannot be genuine:
      // its id was settled as rolled back.
      const { last_record_id: passed } = await store.sequencerState(tx);
      let unsequenced = 0;
      while (record) {
        if (record.id <= passed) {
          return fail(
            `Record ${record.id} was inserted: it is not in the tree, yet the sequencer had already settled every id up to ${passed}.`,
          );
        }
        unsequenced++;
        record = await nextRecord();
      }

      const levels = buildLevels(hashes);
      for (let after: [number, number] = [0, -1]; ;) {
        const nodes = await store.nodesPage(tx, after, PAGE);
        if (nodes.length === 0) break;
        for (const node of nodes) {
          const expected = levels[node.level]?.[node.node_index];
          if (!expected?.equals(node.hash)) {
            return fail(
              `The stored subtree hash at level ${node.level}, index ${node.node_index} does not match the records.`,
            );
          }
        }
        const last = nodes.at(-1) as (typeof nodes)[number];
        after = [last.level, last.node_index];
      }

      const stored = (await store.checkpoints(tx)).map(toDocument);
      const all = external ? [...stored, external] : stored;
      for (const checkpoint of all) {
        const which = checkpoint === external ? 'The external checkpoint' : 'Stored checkpoint';
        try {
          checkSignature(key, checkpoint);
        } catch (error) {
          if (error instanceof CheckpointError) return fail(`${which}: ${error.message}`);
          throw error;
        }
        if (checkpoint.treeSize > hashes.length) {
          return fail(
            `The log was truncated: ${which.toLowerCase()} of size ${checkpoint.treeSize} is signed, but the tree holds only ${hashes.length} leaves (leaf ${hashes.length} onwards is missing).`,
          );
        }
        const root = rangeHashFromLevels(levels, [0, checkpoint.treeSize]);
        if (root.toString('hex') !== checkpoint.rootHash) {
          return fail(
            `${which} of size ${checkpoint.treeSize} signs root ${checkpoint.rootHash}, but the stored records give ${root.toString('hex')}: a record among the first ${checkpoint.treeSize} was changed, removed, inserted or reordered.`,
          );
        }
      }
      return {
        ok: true,
        treeSize: hashes.length,
        rootHash: rangeHashFromLevels(levels, [0, hashes.length]).toString('hex'),
        checkpoints: all.length,
        unsequenced,
      };
    });
}
