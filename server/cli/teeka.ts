import { Command, InvalidArgumentError } from 'commander';

import { serveWorkers } from '../cluster.js';
import { ConfigError, loadConfig } from '../config.js';
import { KeyConfigError } from '../crypto/keys.js';
import { migrateToLatest } from '../db/migrate.js';
import { DataDirLockedError, openConfiguredDatabase } from '../db/open.js';
import { createAuditModule } from '../modules/audit/module.js';
import { seedDemoWorld } from '../modules/facilities/demo.js';
import { createFacilityStore } from '../modules/facilities/store.js';
import { registerAuditCommands } from './audit.js';
import { registerFacilityCommands } from './facilities.js';
import { registerKeyCommands } from './keys.js';
import { registerKillSwitchCommands } from './kill-switch.js';
import { registerStaffCommands } from './staff.js';

function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new InvalidArgumentError('a whole number from 1 to 64');
  }
  return n;
}

/** The `teeka` command: operations on a Teeka deployment, configured by the same environment as the server. */
export function buildCli(): Command {
  const program = new Command('teeka')
    .description('Teeka: run and operate a national vaccination drive')
    .showHelpAfterError();

  program
    .command('serve')
    .description('serve the API and web app (the same as npm start)')
    .option(
      '--workers <n>',
      'server processes sharing the port, 1 to 64 (above 1 needs DATABASE_URL)',
      workerCount,
      1,
    )
    .action(async ({ workers }: { workers: number }) => {
      if (workers > 1) await serveWorkers(workers);
      else await import('../main.js');
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      const database = await openConfiguredDatabase(loadConfig());
      try {
        const applied = await migrateToLatest(database.db);
        console.log(
          applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.',
        );
      } finally {
        await database.close();
      }
    });

  program
    .command('seed-demo')
    .description('create the demo world (development only; refused in production)')
    .action(async () => {
      const config = loadConfig();
      if (config.production) {
        throw new ConfigError(
          'seed-demo is a development convenience and refuses to run with NODE_ENV=production.',
        );
      }
      const database = await openConfiguredDatabase(config);
      try {
        await migrateToLatest(database.db);
        const seeded = await database.db.transaction().execute((tx) =>
          seedDemoWorld(tx, {
            store: createFacilityStore(),
            audit: createAuditModule().service,
            now: new Date(),
          }),
        );
        console.log(
          seeded
            ? `Seeded ${seeded.centres} centres and ${seeded.sessions} sessions.`
            : 'The database already has centres; the demo world was not added.',
        );
      } finally {
        await database.close();
      }
    });

  registerFacilityCommands(program, () => openConfiguredDatabase(loadConfig()));
  registerStaffCommands(program);
  registerAuditCommands(program);
  registerKeyCommands(program);
  registerKillSwitchCommands(program);

  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof DataDirLockedError ||
      error instanceof KeyConfigError
    ) {
      console.error(error.message);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
