import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engine, freshDatabase } from '../../../test/helpers/db.js';
import { createKeyRing } from '../../crypto/keys.js';
import { manualClock } from '../../platform/clock.js';
import { createAuditModule, createAuditTrail } from './module.js';
import { verifyAuditLog } from './verify.js';

const keys = createKeyRing(new Map([['t1', randomBytes(32)]]));
const audit = createAuditModule().service;
const event = (n: number) => ({
  actor: { type: 'system' as const, id: `writer-${n}` },
  action: 'test.concurrent',
  outcome: 'allowed' as const,
  details: { n },
});

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe.runIf(engine === 'postgres')('the sequencer on PostgreSQL, with real concurrency', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    database = await freshDatabase(30);
  });
  afterAll(() => database.close());
  const trail = () => createAuditTrail({ db: database.db, keys, clock: manualClock() });
  const leaves = () =>
    database.db
      .selectFrom('audit_leaves')
      .select(['leaf_index', 'record_id'])
      .orderBy('leaf_index')
      .execute();

  it('never appends a record while a transaction holding a lower id is still running', async () => {
    const inserted = gate();
    const release = gate();
    // A takes a low id and stays open; B takes a higher id and commits.
    const a = database.db.transaction().execute(async (tx) => {
      await audit.record(tx, event(1));
      inserted.open();
      await release.opened;
    });
    await inserted.opened;
    await database.db.transaction().execute((tx) => audit.record(tx, event(2)));
    // Only B's record is visible, and its id is higher than A's.
    expect(await database.db.selectFrom('audit_log').select('id').execute()).toEqual([{ id: 2 }]);

    await trail().checkpointNow();
    expect(await leaves()).toEqual([]);

    release.open();
    await a;
    await trail().checkpointNow({ waitMs: 10_000 });
    const ids = (
      await database.db.selectFrom('audit_log').select('id').orderBy('id').execute()
    ).map((row) => row.id);
    expect(await leaves()).toEqual(ids.map((record_id, leaf_index) => ({ leaf_index, record_id })));
  });

  it('orders every record of many concurrent writers exactly once, in id order, while sequencers run concurrently', async () => {
    const writers = Array.from({ length: 16 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 15; i++) {
          await database.db
            .transaction()
            .execute(async (tx) => {
              await audit.record(tx, event(w * 100 + i));
              await new Promise((resolve) => setTimeout(resolve, Math.random() * 8));
              await audit.record(tx, event(w * 100 + i + 50));
              if (i % 5 === 4) throw new Error('rolled back');
            })
            .catch(() => undefined);
        }
      })(),
    );
    let writing = true;
    const sequencers = Array.from({ length: 3 }, () =>
      (async () => {
        while (writing) await trail().checkpointNow();
      })(),
    );
    await Promise.all(writers);
    writing = false;
    await Promise.all(sequencers);
    await trail().checkpointNow({ waitMs: 10_000 });

    const ids = (
      await database.db.selectFrom('audit_log').select('id').orderBy('id').execute()
    ).map((row) => row.id);
    expect(ids.length).toBeGreaterThanOrEqual(16 * 12 * 2);
    expect(await leaves()).toEqual(ids.map((record_id, leaf_index) => ({ leaf_index, record_id })));
    const checkpoints = await database.db
      .selectFrom('audit_checkpoints')
      .select('tree_size')
      .execute();
    expect(checkpoints.length).toBeGreaterThan(1);
    const result = await verifyAuditLog(database.db, { store: trail().store, key: trail().key });
    expect(result).toMatchObject({ ok: true, treeSize: ids.length, unsequenced: 0 });
  });
});
