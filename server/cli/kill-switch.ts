import type { Command } from 'commander';

import { type Config, loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { DataDirLockedError, openConfiguredDatabase } from '../db/open.js';
import { createAuditModule } from '../modules/audit/module.js';
import { changeBody } from '../modules/kill-switch/schemas.js';
import { createKillSwitchService, type SwitchStatus } from '../modules/kill-switch/service.js';
import { createKillSwitchStore } from '../modules/kill-switch/store.js';
import { announceVersion, connectRedis } from '../modules/kill-switch/sync.js';

interface TargetOptions {
  allPartners?: true;
  client?: string;
  scope?: string;
  public?: true;
  citizen?: true;
  reason?: string;
}

const SYSTEM = { type: 'system', id: 'cli' } as const;

/** Exactly one target option, as the admin API names it. */
function targetName(options: TargetOptions): string | null {
  const named = [
    options.allPartners ? 'all-partners' : null,
    options.client === undefined ? null : `client:${options.client}`,
    options.scope === undefined ? null : `scope:${options.scope}`,
    options.public ? 'public' : null,
    options.citizen ? 'citizen' : null,
  ].filter((name) => name !== null);
  return named.length === 1 ? (named[0] ?? null) : null;
}

function fail(message: string): void {
  console.error(message);
  process.exitCode = 1;
}

async function openDatabase(config: Config) {
  try {
    return await openConfiguredDatabase(config);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      // The embedded database has one holder: the running server. It has the admin API.
      fail(
        `The embedded database in ${config.dataDir} is held by a running Teeka, so this command cannot change it. While the server runs, use its admin API (PUT /api/v1/admin/kill-switch, national admin with a fresh second factor); or stop the server first.`,
      );
      return null;
    }
    throw error;
  }
}

function printStatus(status: SwitchStatus): void {
  if (status.switchedOff.length === 0) {
    console.log(`Every API is on (version ${status.version}).`);
    return;
  }
  console.log(`Switched off (version ${status.version}):`);
  for (const off of status.switchedOff) {
    const by = off.by.id === null ? off.by.type : `${off.by.type}:${off.by.id}`;
    console.log(`  ${off.name}  since ${off.since.toISOString()}  by ${by}  reason: ${off.reason}`);
  }
}

async function change(killSwitch: 'on' | 'off', options: TargetOptions): Promise<void> {
  const target = targetName(options);
  if (target === null) {
    fail(
      'Name exactly one target: --all-partners, --client ID, --scope SCOPE, --public or --citizen.',
    );
    return;
  }
  const parsed = changeBody.safeParse({ target, killSwitch, reason: options.reason ?? '' });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(
      issue?.path[0] === 'reason'
        ? 'Give a --reason of 3 to 500 characters: it goes into the audit trail.'
        : `${target} is not a target: ${issue?.message ?? 'unknown'}.`,
    );
    return;
  }
  const config = loadConfig();
  const database = await openDatabase(config);
  if (!database) return;
  const redis = config.redisUrl ? connectRedis(config.redisUrl, { offlineQueue: true }) : undefined;
  const redisOutcome = { announced: true };
  try {
    await migrateToLatest(database.db);
    const service = createKillSwitchService({
      store: createKillSwitchStore(),
      audit: createAuditModule().service,
      now: () => new Date(),
      announce: async (version) => {
        if (!redis) return;
        await announceVersion(redis, config.redisPrefix, version).catch(
          () => (redisOutcome.announced = false),
        );
      },
    });
    const { changed, status } = await service.change(database.db, parsed.data, SYSTEM);
    const effect = killSwitch === 'on' ? 'switched off' : 'back on';
    console.log(
      changed
        ? `${target} is ${effect} (version ${status.version}); running nodes follow within 1 second.`
        : `${target} was ${effect} already; nothing changed.`,
    );
    if (!redisOutcome.announced) {
      console.error(
        'Redis did not take the announcement: nodes see the change through the database within 5 seconds.',
      );
    }
    printStatus(status);
  } finally {
    await redis?.quit().catch(() => redis.disconnect());
    await database.close();
  }
}

/** `teeka kill-switch ...`: switch APIs off and back on for every node, from the operator's shell. */
export function registerKillSwitchCommands(program: Command): void {
  const killSwitch = program
    .command('kill-switch')
    .description(
      'switch partner, public or citizen APIs off on every node within 1 second, and back on (staff APIs always stay on)',
    );
  const targets = (command: Command) =>
    command
      .option('--all-partners', 'every partner API')
      .option('--client <id>', 'one partner client')
      .option('--scope <scope>', 'one partner scope, e.g. vaccination-status:consented')
      .option('--public', 'the public APIs: search, master data, certificate verification')
      .option('--citizen', 'the citizen APIs: OTP login and everything behind a citizen token')
      .option('--reason <text>', 'why (required; recorded in the audit trail)');

  targets(
    killSwitch.command('on').description("engage the kill switch: refuse the target's calls"),
  ).action((options: TargetOptions) => change('on', options));
  targets(
    killSwitch.command('off').description('release the kill switch: the target works again'),
  ).action((options: TargetOptions) => change('off', options));

  killSwitch
    .command('status')
    .description('what is switched off, since when, by whom and why')
    .action(async () => {
      const config = loadConfig();
      const database = await openDatabase(config);
      if (!database) return;
      try {
        await migrateToLatest(database.db);
        const service = createKillSwitchService({
          store: createKillSwitchStore(),
          audit: createAuditModule().service,
          now: () => new Date(),
          announce: () => Promise.resolve(),
        });
        printStatus(await service.status(database.db));
      } finally {
        await database.close();
      }
    });
}
