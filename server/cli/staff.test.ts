import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it, vi } from 'vitest';

import { engine, freshDatabase } from '../../test/helpers/db.js';
import { linkToken, staffClient } from '../../test/helpers/staff.js';
import { loadConfig } from '../config.js';
import { openConfiguredDatabase } from '../db/open.js';
import { buildApp } from '../http/app.js';
import { manualClock } from '../platform/clock.js';
import { runCli } from './teeka.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

/**
 * `teeka ...` as an operator runs it, on the deployment's settings from the environment.
 * In this test's own process (vitest gives each file one), which spares a tsx start per call.
 */
async function teeka(env: Record<string, string>, ...args: string[]) {
  const saved = { ...process.env };
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
  Object.assign(process.env, env);
  process.exitCode = undefined;
  try {
    await runCli(['node', 'teeka', ...args]);
    // The CLI reports a refusal through process.exitCode, as a real process would exit.
    const code: unknown = process.exitCode;
    return { code: typeof code === 'number' ? code : 0, output: lines.join('\n') };
  } finally {
    process.exitCode = undefined;
    process.env = saved;
    log.mockRestore();
    error.mockRestore();
  }
}

async function deployment(): Promise<Record<string, string>> {
  const base = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
    TEEKA_PUBLIC_URL: 'https://teeka.example.org/',
  };
  if (engine === 'postgres') {
    const database = await freshDatabase(2);
    cleanup.push(() => database.close());
    return { ...base, DATABASE_URL: database.url ?? '' };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-cli-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return { ...base, TEEKA_DATA_DIR: dir };
}

describe('teeka staff', () => {
  it('create-admin bootstraps the first national admin once; force-reset --all ends every session', async () => {
    const env = await deployment();
    const created = await teeka(env, 'staff', 'create-admin', '--username', 'Root.Admin');
    expect(created.code, created.output).toBe(0);
    const url = /https:\/\/teeka\.example\.org\/staff\/enrol#[A-Za-z0-9_-]{43}/.exec(
      created.output,
    )?.[0];
    expect(url).toBeDefined();

    const again = await teeka(env, 'staff', 'create-admin', '--username', 'second.admin');
    expect(again.code).toBe(1);
    expect(again.output).toContain('A national admin exists already');

    // Enrol and sign in through the API on the same database.
    const config = loadConfig(env);
    const clock = manualClock();
    let database = await openConfiguredDatabase(config);
    let app = await buildApp({ config, database, clock });
    const client = staffClient({ app, database, logs: [], close: () => app.close() }, clock);
    const secret = await client.enrol(linkToken(url ?? ''), 'the first admin of the drive');
    const session = await client.login('root.admin', 'the first admin of the drive', secret);
    await app.close();
    await database.close();

    const reset = await teeka(env, 'staff', 'force-reset', '--all');
    expect(reset.code, reset.output).toBe(0);
    expect(reset.output).toContain('Forced a reset for 1 accounts; 1 sessions and tokens ended.');

    database = await openConfiguredDatabase(config);
    app = await buildApp({ config, database, clock });
    try {
      const me = await app.inject({ url: '/api/v1/staff/auth/me', headers: session.headers });
      expect(me.statusCode).toBe(401);
      const audit = await database.db
        .selectFrom('audit_log')
        .select(['actor_type', 'action'])
        .where('action', 'in', ['staff.account.create', 'staff.force-reset'])
        .orderBy('id')
        .execute();
      expect(audit).toEqual([
        { actor_type: 'system', action: 'staff.account.create' },
        { actor_type: 'system', action: 'staff.force-reset' },
      ]);
    } finally {
      await app.close();
      await database.close();
    }
  }, 240_000);
});
