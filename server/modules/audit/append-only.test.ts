import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freshDatabase } from '../../../test/helpers/db.js';
import { createAuditModule } from './module.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

describe('audit_log is append-only in the database itself', () => {
  it('records an event inside the caller transaction, and refuses UPDATE, DELETE and TRUNCATE', async () => {
    const audit = createAuditModule().service;
    await database.db.transaction().execute((tx) =>
      audit.record(
        tx,
        {
          actor: { type: 'system', id: 'test' },
          action: 'test.event',
          outcome: 'allowed',
          details: { n: 1 },
        },
        { requestId: 'r-1', clientIp: '127.0.0.1' },
      ),
    );
    const rows = await database.db.selectFrom('audit_log').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'test.event',
      outcome: 'allowed',
      request_id: 'r-1',
      details: { n: 1 },
    });

    await expect(sql`UPDATE audit_log SET action = 'forged'`.execute(database.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM audit_log`.execute(database.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(database.db)).rejects.toThrow(/append-only/);
    expect(await database.db.selectFrom('audit_log').select('action').execute()).toEqual([
      { action: 'test.event' },
    ]);
  });

  it('loses the record when the action rolls back: no record without its action', async () => {
    const audit = createAuditModule().service;
    await expect(
      database.db.transaction().execute(async (tx) => {
        await audit.record(tx, {
          actor: { type: 'system' },
          action: 'test.rolled-back',
          outcome: 'allowed',
        });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    const rows = await database.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'test.rolled-back')
      .execute();
    expect(rows).toEqual([]);
  });
});
