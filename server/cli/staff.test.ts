import { afterAll, describe, expect, it } from 'vitest';

import { cliDeployment, teeka } from '../../test/helpers/cli.js';
import { linkToken, staffClient } from '../../test/helpers/staff.js';
import { loadConfig } from '../config.js';
import { openConfiguredDatabase } from '../db/open.js';
import { buildApp } from '../http/app.js';
import { manualClock } from '../platform/clock.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

/** A fresh deployment whose enrolment links start with a public URL. */
async function deployment(): Promise<Record<string, string>> {
  return { ...(await cliDeployment(cleanup)), TEEKA_PUBLIC_URL: 'https://teeka.example.org/' };
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
