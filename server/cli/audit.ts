import { readFile, writeFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { loadConfig } from '../config.js';
import { type KeyRing, loadKeyRing } from '../crypto/keys.js';
import type { Db } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { openConfiguredDatabase } from '../db/open.js';
import { CheckpointError, parseCheckpointDocument } from '../modules/audit/checkpoint.js';
import { createAuditTrail } from '../modules/audit/module.js';
import { verifyAuditLog } from '../modules/audit/verify.js';
import { systemClock } from '../platform/clock.js';

export interface CommandOutcome {
  exitCode: number;
  lines: string[];
}

/** `teeka audit verify`: recompute the tree from the records and check every checkpoint. */
export async function auditVerify(
  db: Db,
  keys: KeyRing,
  checkpointFile?: string,
): Promise<CommandOutcome> {
  const trail = createAuditTrail({ db, keys, clock: systemClock });
  let external;
  if (checkpointFile !== undefined) {
    try {
      external = parseCheckpointDocument(await readFile(checkpointFile, 'utf8'));
    } catch (error) {
      if (error instanceof CheckpointError) return { exitCode: 2, lines: [error.message] };
      return { exitCode: 2, lines: [`The checkpoint file ${checkpointFile} cannot be read.`] };
    }
  }
  const result = await verifyAuditLog(db, {
    store: trail.store,
    key: trail.key,
    ...(external ? { external } : {}),
  });
  if (!result.ok)
    return { exitCode: 1, lines: [`Audit log verification FAILED: ${result.problem}`] };
  return {
    exitCode: 0,
    lines: [
      `Audit log verified: size ${result.treeSize}, root ${result.rootHash}.`,
      `Checkpoints checked: ${result.checkpoints}${external ? ' (including the external one)' : ''}; audit key ${trail.key.keyId}.`,
      ...(result.unsequenced > 0
        ? [
            `${result.unsequenced} newer records are not in the tree yet (the next checkpoint adds them).`,
          ]
        : []),
    ],
  };
}

/** `teeka audit checkpoint --out FILE`: sequence, sign if grown, export the latest checkpoint. */
export async function auditCheckpoint(
  db: Db,
  keys: KeyRing,
  outFile: string,
): Promise<CommandOutcome> {
  const latest = await createAuditTrail({ db, keys, clock: systemClock }).checkpointNow({
    waitMs: 10_000,
  });
  if (!latest)
    return { exitCode: 1, lines: ['The audit log is empty: there is nothing to sign yet.'] };
  await writeFile(outFile, `${JSON.stringify(latest, null, 2)}\n`);
  return {
    exitCode: 0,
    lines: [
      `Wrote the checkpoint of size ${latest.treeSize}, root ${latest.rootHash}, to ${outFile}.`,
    ],
  };
}

async function withDeployment(
  run: (db: Db, keys: KeyRing) => Promise<CommandOutcome>,
): Promise<void> {
  const config = loadConfig();
  const keys = await loadKeyRing(config);
  const database = await openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    const outcome = await run(database.db, keys);
    for (const line of outcome.lines) {
      (outcome.exitCode === 0 ? console.log : console.error)(line);
    }
    process.exitCode = outcome.exitCode;
  } finally {
    await database.close();
  }
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description(
      'recompute the Merkle tree from the stored records and check it against every signed checkpoint',
    )
    .option('--checkpoint <file>', 'also check an exported checkpoint kept outside the system')
    .action((options: { checkpoint?: string }) =>
      withDeployment((db, keys) => auditVerify(db, keys, options.checkpoint)),
    );
  audit
    .command('checkpoint')
    .description('add new records to the tree, sign a checkpoint, and export the latest one')
    .requiredOption('--out <file>', 'where to write the checkpoint (JSON)')
    .action((options: { out: string }) =>
      withDeployment((db, keys) => auditCheckpoint(db, keys, options.out)),
    );
}
