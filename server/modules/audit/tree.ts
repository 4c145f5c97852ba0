import type { Db } from '../../db/index.js';
import { Invalid, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import {
  type AuditKey,
  type CheckpointDocument,
  signCheckpoint,
  toDocument,
} from './checkpoint.js';
import {
  combineSubtrees,
  completeSubtrees,
  consistencyRanges,
  EMPTY_TREE_HASH,
  type Hash,
  inclusionRanges,
  leafHash,
  nodeHash,
  type Range,
} from './merkle.js';
import type { AuditStore, HashableRecord } from './store.js';
import { recordCanonicalBytes } from './trail-format.js';

/** The canonical bytes of a record (trail-format.ts), as a Buffer. */
export function canonicalRecordBytes(record: HashableRecord): Buffer {
  return Buffer.from(recordCanonicalBytes(record));
}

export const recordLeafHash = (record: HashableRecord): Hash =>
  leafHash(canonicalRecordBytes(record));

const SEQUENCE_BATCH = 5000;

export type AuditTree = ReturnType<typeof createAuditTree>;

export function createAuditTree({
  store,
  key,
  clock,
}: {
  store: AuditStore;
  key: AuditKey;
  clock: Clock;
}) {
  async function rangeHashes(tx: Db, ranges: Range[]): Promise<Hash[]> {
    const parts = ranges.map(completeSubtrees);
    const found = await store.subtreeHashes(tx, parts.flat());
    return parts.map((subtrees) =>
      combineSubtrees(
        subtrees.map(([level, index]) => {
          const hash = found.get(`${level}:${index}`);
          if (!hash) throw new Error(`audit tree node ${level}:${index} is missing`);
          return hash;
        }),
      ),
    );
  }

  async function rootAt(tx: Db, size: number): Promise<Hash> {
    if (size === 0) return EMPTY_TREE_HASH;
    const [root] = await rangeHashes(tx, [[0, size]]);
    return root as Hash;
  }

  /** Appends leaves [n0, n0 + hashes.length) and every complete subtree they finish. */
  async function append(tx: Db, n0: number, records: HashableRecord[]) {
    const hashes = records.map(recordLeafHash);
    await store.appendLeaves(
      tx,
      records.map((record, i) => ({
        leaf_index: n0 + i,
        record_id: record.id,
        leaf_hash: hashes[i] as Hash,
      })),
    );
    const n1 = n0 + hashes.length;
    let below = new Map(hashes.map((hash, i) => [n0 + i, hash]));
    for (let level = 1; ; level++) {
      const size = 2 ** level;
      const first = Math.floor(n0 / size);
      const end = Math.floor(n1 / size);
      if (first >= end) break;
      // Only the leftmost new node can have a child finished by an earlier batch.
      if (!below.has(2 * first)) {
        const earlier = await store.subtreeHashes(tx, [[level - 1, 2 * first]]);
        below.set(2 * first, earlier.get(`${level - 1}:${2 * first}`) as Hash);
      }
      const here = new Map<number, Hash>();
      for (let i = first; i < end; i++) {
        here.set(i, nodeHash(below.get(2 * i) as Hash, below.get(2 * i + 1) as Hash));
      }
      await store.appendNodes(
        tx,
        [...here].map(([node_index, hash]) => ({ level, node_index, hash })),
      );
      below = here;
    }
  }

  async function currentSize(tx: Db): Promise<number> {
    return (await store.sequencerState(tx)).tree_size;
  }

  return {
    rootAt,
    currentSize,

    /**
     * Appends every settled record to the tree, in id order. Record ids are drawn after the
     * writing transaction has its id (trigger in 0010). So if W is the highest id issued,
     * read before this transaction took its own id X, every id <= W belongs to a transaction
     * older than X, and W is settled once no transaction older than X is running (snapshot
     * xmin >= X). An unsettled (W, X) is kept and checked on later runs. Filtering records on
     * txid < xmin alone is not enough: an older transaction can hold a higher id than a
     * younger one that is still running. The sequencer row lock serialises sequencers.
     */
    async sequence(tx: Db): Promise<{ treeSize: number; appended: number; settledUpTo: number }> {
      const issued = await store.highestIssuedId(tx);
      const state = await store.lockSequencer(tx);
      const now = { recordId: issued, xid: await store.ownXid(tx) };
      let bound = state.last_record_id;
      let pending = state.pending_xid
        ? { recordId: state.pending_record_id, xid: state.pending_xid }
        : now;
      if (await store.olderTransactionsEnded(tx, now.xid)) {
        bound = Math.max(bound, now.recordId);
        pending = now;
      } else if (state.pending_xid && (await store.olderTransactionsEnded(tx, state.pending_xid))) {
        bound = Math.max(bound, state.pending_record_id);
        pending = now;
      }
      let size = state.tree_size;
      for (let after = state.last_record_id; ;) {
        const records = await store.hashableRecords(tx, after, SEQUENCE_BATCH, bound);
        if (records.length === 0) break;
        await append(tx, size, records);
        size += records.length;
        after = (records.at(-1) as HashableRecord).id;
      }
      await store.saveSequencer(tx, {
        tree_size: size,
        last_record_id: bound,
        pending_record_id: pending.recordId,
        pending_xid: pending.xid,
      });
      return { treeSize: size, appended: size - state.tree_size, settledUpTo: bound };
    },

    /** Signs and stores a checkpoint if the tree grew since the last one; returns the latest. */
    async checkpointIfGrown(tx: Db): Promise<CheckpointDocument | undefined> {
      // Taking the sequencer lock serialises checkpoints across nodes too.
      const { tree_size: size } = await store.lockSequencer(tx);
      const [latest] = await store.checkpoints(tx, true);
      if (size > 0 && (!latest || latest.treeSize < size)) {
        const checkpoint = signCheckpoint(
          key,
          size,
          await rootAt(tx, size),
          clock.now().toISOString(),
        );
        await store.appendCheckpoint(tx, checkpoint);
        return toDocument(checkpoint);
      }
      return latest && toDocument(latest);
    },

    async latestCheckpoint(tx: Db): Promise<CheckpointDocument | undefined> {
      const [latest] = await store.checkpoints(tx, true);
      return latest && toDocument(latest);
    },

    /** RFC 6962 PATH for a record in the tree of `treeSize` leaves (the current tree by default). */
    async inclusionProof(tx: Db, recordId: number, treeSize?: number) {
      const leaf = await store.leafOfRecord(tx, recordId);
      if (!leaf) {
        throw new NotFound(
          `Audit record ${recordId} is not in the tree (it does not exist or is not sequenced yet).`,
          'audit-record-not-in-tree',
        );
      }
      const size = treeSize ?? (await currentSize(tx));
      if (size > (await currentSize(tx)) || leaf.leaf_index >= size) {
        throw new Invalid(
          `Tree size ${size} does not contain leaf ${leaf.leaf_index}, or is larger than the tree.`,
          'audit-bad-tree-size',
        );
      }
      const ranges = inclusionRanges(leaf.leaf_index, size);
      const [root, ...path] = await rangeHashes(tx, [[0, size], ...ranges]);
      return {
        recordId,
        leafIndex: leaf.leaf_index,
        treeSize: size,
        leafHash: leaf.leaf_hash.toString('hex'),
        path: path.map((hash) => hash.toString('hex')),
        rootHash: (root as Hash).toString('hex'),
      };
    },

    /** RFC 6962 PROOF(m, D[n]): the tree of size `from` is a prefix of the tree of size `to`. */
    async consistencyProof(tx: Db, from: number, to: number) {
      const size = await currentSize(tx);
      if (!(
        Number.isSafeInteger(from) &&
        Number.isSafeInteger(to) &&
        from >= 1 &&
        from <= to &&
        to <= size
      )) {
        throw new Invalid(
          `A consistency proof needs 1 <= from <= to <= ${size} (the current tree size).`,
          'audit-bad-tree-size',
        );
      }
      const [fromRoot, toRoot, ...proof] = await rangeHashes(tx, [
        [0, from],
        [0, to],
        ...consistencyRanges(from, to),
      ]);
      return {
        from,
        to,
        fromRoot: (fromRoot as Hash).toString('hex'),
        toRoot: (toRoot as Hash).toString('hex'),
        proof: proof.map((hash) => hash.toString('hex')),
      };
    },
  };
}
