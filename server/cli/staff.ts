import type { Command } from 'commander';

import { loadConfig } from '../config.js';
import { loadKeyRing } from '../crypto/keys.js';
import { migrateToLatest } from '../db/migrate.js';
import { openConfiguredDatabase } from '../db/open.js';
import { AppError } from '../http/errors.js';
import { createStaffModule } from '../modules/staff/module.js';
import { systemClock } from '../platform/clock.js';
import { createLimits } from '../platform/limits.js';

async function withStaff<T>(run: (staff: ReturnType<typeof createStaffModule>) => Promise<T>) {
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  const limits = createLimits({ redisUrl: config.redisUrl, namespace: config.redisPrefix });
  try {
    await migrateToLatest(database.db);
    const keys = await loadKeyRing(config);
    return await run(
      createStaffModule({ db: database.db, limits, clock: systemClock, config, keys }),
    );
  } catch (error) {
    // A refusal the service explains (an admin exists already) is a message, not a crash.
    if (error instanceof AppError) {
      console.error(error.message);
      process.exitCode = 1;
      return undefined;
    }
    throw error;
  } finally {
    await limits.close();
    await database.close();
  }
}

/** `teeka staff ...`: bootstrap the first admin and the fleet-wide reset, from the server's shell. */
export function registerStaffCommands(program: Command): void {
  const staff = program.command('staff').description('staff accounts');

  staff
    .command('create-admin')
    .description(
      'create the first national admin and print its one-time enrolment link (refused once one exists)',
    )
    .requiredOption('--username <name>', 'login name: 3 to 64 of a-z, 0-9, ".", "_", "-"')
    .action(async (options: { username: string }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/.test(options.username)) {
        console.error('The username must be 3 to 64 of letters, digits, ".", "_" and "-".');
        process.exitCode = 1;
        return;
      }
      const created = await withStaff((s) => s.admin.bootstrapNationalAdmin(options.username));
      if (created) {
        console.log(`Created national admin ${options.username.toLowerCase()} (${created.id}).`);
        console.log(`One-time enrolment link (valid until ${created.expiresAt.toISOString()}):`);
        console.log(created.enrolmentUrl);
      }
    });

  staff
    .command('force-reset')
    .description(
      'every staff account must set a new password and second factor at next login; all sessions end now',
    )
    .requiredOption(
      '--all',
      'every staff account (the only scope here; admins scope it in the API)',
    )
    .action(async () => {
      const result = await withStaff((s) => s.admin.forceResetAllFromCli());
      if (result)
        console.log(
          `Forced a reset for ${result.accounts} accounts; ${result.sessionsRevoked} sessions and tokens ended.`,
        );
    });
}
