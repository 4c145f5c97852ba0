import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';

import { engine, freshDatabase } from '../../../test/helpers/db.js';
import { auditCheckpoint, auditVerify } from '../../cli/audit.js';
import { loadConfig } from '../../config.js';
import { createKeyRing, parseMasterKeys } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { migrateToLatest } from '../../db/migrate.js';
import { openConfiguredDatabase } from '../../db/open.js';
import { createAuditModule } from './module.js';

const masterKey = `t1:${randomBytes(32).toString('base64')}`;
const keys = createKeyRing(parseMasterKeys(masterKey, 'test'));
const audit = createAuditModule().service;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-audit-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function write(db: Db, count: number, from = 0) {
  for (let i = from; i < from + count; i++) {
    await db.transaction().execute((tx) =>
      audit.record(tx, {
        actor: { type: 'staff', id: `staff-${i % 3}`, role: 'vaccinator' },
        action: 'beneficiary.read',
        subject: { type: 'beneficiary', id: `ben-${i}` },
        outcome: 'allowed',
      }),
    );
  }
}

/** A log of 12 records with a stored checkpoint, and the checkpoint exported to a file. */
async function signedLog() {
  const database = await freshDatabase();
  cleanups.push(() => database.close());
  await write(database.db, 12);
  const file = path.join(await tempDir(), 'checkpoint.json');
  expect((await auditCheckpoint(database.db, keys, file)).exitCode).toBe(0);
  const ids = (await database.db.selectFrom('audit_log').select('id').orderBy('id').execute()).map(
    (row) => row.id,
  );
  return { db: database.db, file, ids };
}

/** As an insider with superuser rights would: switch the append-only guard off, edit, switch it on. */
async function asSuperuser(db: Db, ...statements: ReturnType<typeof sql>[]) {
  await db.connection().execute(async (conn) => {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(conn);
    for (const statement of statements) await statement.execute(conn);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(conn);
  });
}

describe('teeka audit verify', () => {
  it('verifies the untouched log, with and without the external checkpoint', async () => {
    const { db, file } = await signedLog();
    const plain = await auditVerify(db, keys);
    expect(plain.exitCode).toBe(0);
    expect(plain.lines[0]).toMatch(/^Audit log verified: size 12, root [0-9a-f]{64}\.$/);
    const withFile = await auditVerify(db, keys, file);
    expect(withFile.exitCode).toBe(0);
    expect(withFile.lines.join('\n')).toContain('including the external one');
    const exported = JSON.parse(await readFile(file, 'utf8')) as { rootHash: string };
    expect(plain.lines[0]).toContain(exported.rootHash);
  });

  it('fails naming the record when one byte of a record changed', async () => {
    const { db, ids, file } = await signedLog();
    await asSuperuser(
      db,
      sql`UPDATE audit_log SET subject_id = 'ben-X' WHERE subject_id = 'ben-5'`,
    );
    const result = await auditVerify(db, keys, file);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain(`Record ${String(ids[5])} (leaf 5) was changed`);
  });

  it('fails naming the record when one was deleted', async () => {
    const { db, ids } = await signedLog();
    await asSuperuser(db, sql`DELETE FROM audit_log WHERE id = ${ids[7]}`);
    const result = await auditVerify(db, keys);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain(`Record ${ids[7]} (leaf 7) was removed.`);
  });

  it('fails naming the first record when two were swapped', async () => {
    const { db, ids } = await signedLog();
    const [a, b] = [ids[3] as number, ids[4] as number];
    await asSuperuser(
      db,
      sql`UPDATE audit_log SET id = -1 WHERE id = ${a}`,
      sql`UPDATE audit_log SET id = ${a} WHERE id = ${b}`,
      sql`UPDATE audit_log SET id = ${b} WHERE id = -1`,
    );
    const result = await auditVerify(db, keys);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain(
      `Record ${a} (leaf 3) was changed, or records were reordered`,
    );
  });

  it('fails naming the first missing record when the tail was truncated', async () => {
    const { db, ids } = await signedLog();
    await asSuperuser(db, sql`DELETE FROM audit_log WHERE id >= ${ids[9]}`);
    const result = await auditVerify(db, keys);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain(`truncated: leaf 9 (record ${ids[9]})`);
  });

  it('fails naming a record inserted into the sequenced part of the log', async () => {
    const database = await freshDatabase();
    cleanups.push(() => database.close());
    const db = database.db;
    await write(db, 3);
    // A rolled-back action leaves a gap in the ids: the insider fills it later.
    await db
      .transaction()
      .execute(async (tx) => {
        await audit.record(tx, { actor: { type: 'system' }, action: 'x', outcome: 'failed' });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await write(db, 3, 3);
    expect((await auditCheckpoint(db, keys, path.join(await tempDir(), 'c.json'))).exitCode).toBe(
      0,
    );
    const ids = (await db.selectFrom('audit_log').select('id').orderBy('id').execute()).map(
      (row) => row.id,
    );
    const gap = (ids[2] as number) + 1;
    expect(ids).not.toContain(gap);
    await asSuperuser(
      db,
      sql`INSERT INTO audit_log (id, actor_type, action, outcome) VALUES (${gap}, 'system', 'forged', 'allowed')`,
    );
    const result = await auditVerify(db, keys);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain(`Record ${gap} was inserted`);
  });

  it('fails naming a record inserted after the last leaf under an id already settled', async () => {
    const { db, ids } = await signedLog();
    // A rolled-back action consumed an id that the sequencer has passed over.
    await db
      .transaction()
      .execute(async (tx) => {
        await audit.record(tx, { actor: { type: 'system' }, action: 'x', outcome: 'failed' });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    expect((await auditCheckpoint(db, keys, path.join(await tempDir(), 'c.json'))).exitCode).toBe(
      0,
    );
    const gap = (ids.at(-1) as number) + 1;
    await asSuperuser(
      db,
      sql`INSERT INTO audit_log (id, actor_type, action, outcome) VALUES (${gap}, 'system', 'forged', 'allowed')`,
    );
    const result = await auditVerify(db, keys);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain(`Record ${gap} was inserted`);
  });

  it('catches, with only the external checkpoint, an insider who also truncated the tree and its checkpoints', async () => {
    const { db, file, ids } = await signedLog();
    await db.connection().execute(async (conn) => {
      for (const table of ['audit_log', 'audit_leaves', 'audit_tree_nodes', 'audit_checkpoints']) {
        await sql`ALTER TABLE ${sql.table(table)} DISABLE TRIGGER USER`.execute(conn);
      }
      await sql`DELETE FROM audit_log WHERE id >= ${ids[6]}`.execute(conn);
      await sql`DELETE FROM audit_leaves WHERE leaf_index >= 6`.execute(conn);
      await sql`DELETE FROM audit_tree_nodes`.execute(conn);
      await sql`DELETE FROM audit_checkpoints`.execute(conn);
    });
    // The rewritten database is consistent with itself...
    await db.transaction().execute(async (tx) => {
      for (const table of ['audit_leaves', 'audit_tree_nodes', 'audit_checkpoints']) {
        await sql`ALTER TABLE ${sql.table(table)} ENABLE TRIGGER USER`.execute(tx);
      }
    });
    expect((await auditVerify(db, keys)).exitCode).toBe(0);
    // ...but not with the checkpoint a witness kept.
    const result = await auditVerify(db, keys, file);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain('truncated: the external checkpoint of size 12');
  });

  it('refuses malformed checkpoint files and ones signed by another key, clearly', async () => {
    const { db, file } = await signedLog();
    const dir = await tempDir();
    const exported = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const cases: [string, string, RegExp][] = [
      ['not-json', '{"format":', /not valid JSON/],
      ['array', '[]', /malformed/],
      ['extra', JSON.stringify({ ...exported, extra: 1 }), /malformed/],
      ['size', JSON.stringify({ ...exported, treeSize: -1 }), /malformed: treeSize/],
      ['root', JSON.stringify({ ...exported, rootHash: 'zz' }), /malformed: rootHash/],
      ['forged-size', JSON.stringify({ ...exported, treeSize: 11 }), /valid signature/],
      [
        'other-key',
        JSON.stringify({ ...exported, keyId: 'someone-else' }),
        /not this log's audit key/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const bad = path.join(dir, `${name}.json`);
      await writeFile(bad, text);
      const result = await auditVerify(db, keys, bad);
      expect(result.exitCode, name).not.toBe(0);
      expect(result.lines[0], name).toMatch(message);
    }
    const missing = await auditVerify(db, keys, path.join(dir, 'absent.json'));
    expect(missing).toMatchObject({
      exitCode: 2,
      lines: [expect.stringMatching(/cannot be read/)],
    });

    const otherKeys = createKeyRing(new Map([['o1', randomBytes(32)]]));
    const otherFile = path.join(dir, 'other.json');
    const otherDb = await freshDatabase();
    cleanups.push(() => otherDb.close());
    await write(otherDb.db, 12);
    await auditCheckpoint(otherDb.db, otherKeys, otherFile);
    const foreign = await auditVerify(db, keys, otherFile);
    expect(foreign.exitCode).toBe(1);
    expect(foreign.lines[0]).toMatch(/The external checkpoint: .*not this log's audit key/);
  });
});

const run = promisify(execFile);
const CLI =
  "const { runCli } = await import('./server/cli/teeka.ts'); await runCli(['node', 'teeka', ...process.argv.slice(1)]);";

describe('the teeka command, run as a process', () => {
  it('exports a checkpoint, verifies against it, and exits 1 naming the record after tampering', async () => {
    const dir = await tempDir();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      TEEKA_MASTER_KEY: masterKey,
      TEEKA_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
    };
    let tamper: (statement: ReturnType<typeof sql>) => Promise<void>;
    if (engine === 'postgres') {
      const database = await freshDatabase();
      cleanups.push(() => database.close());
      env.DATABASE_URL = database.url as string;
      await write(database.db, 5);
      tamper = (statement) => asSuperuser(database.db, statement);
    } else {
      const open = () => openConfiguredDatabase(loadConfig(env));
      const database = await open();
      await migrateToLatest(database.db);
      await write(database.db, 5);
      await database.close();
      tamper = async (statement) => {
        const again = await open();
        await asSuperuser(again.db, statement);
        await again.close();
      };
    }
    const teeka = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CLI, '--', ...args], {
        env,
        cwd: process.cwd(),
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: unknown) => error as { code: number; stdout: string; stderr: string },
      );
    const file = path.join(dir, 'witness.json');
    const exported = await teeka('audit', 'checkpoint', '--out', file);
    expect(exported.stdout).toMatch(/checkpoint of size 5/);
    const good = await teeka('audit', 'verify', '--checkpoint', file);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/Audit log verified: size 5, root [0-9a-f]{64}/);

    await tamper(sql`UPDATE audit_log SET action = 'beneficiary.reaD' WHERE subject_id = 'ben-2'`);
    const bad = await teeka('audit', 'verify', '--checkpoint', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/FAILED: Record \d+ \(leaf 2\) was changed/);

    await writeFile(file, 'garbage');
    const malformed = await teeka('audit', 'verify', '--checkpoint', file);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/not valid JSON/);
    expect(malformed.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 150_000);
});
