import { type Command, Option } from 'commander';

import { type Config, loadConfig } from '../config.js';
import { type KeyRing, loadKeyRing } from '../crypto/keys.js';
import type { Db } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { openConfiguredDatabase } from '../db/open.js';
import { KEY_FORMATS, type KeyFormat } from '../modules/certificates/key-rotation.js';
import { createCertificateModule } from '../modules/certificates/module.js';
import { issuerIdentity } from '../modules/certificates/service.js';
import { systemClock } from '../platform/clock.js';
import { createLimits } from '../platform/limits.js';

const DESCRIBED: Record<KeyFormat, string> = {
  vc: 'W3C VC certificates are now signed with',
  shc: 'SMART Health Cards are now signed with kid',
  dcc: 'EU DCCs are now signed by the document signer with kid',
};

/** A new signing key of one format, in one transaction with its audit record; returns what to print. */
export async function rotateKey(
  db: Db,
  { ring, issuerHost, format }: { ring: KeyRing; issuerHost: string; format: KeyFormat },
): Promise<string> {
  const { keyRotation } = createCertificateModule({
    db,
    limits: createLimits({ redisUrl: undefined, namespace: 'teeka-cli' }),
    clock: systemClock,
    config: { issuerHost },
    keys: ring,
  });
  const key = await db
    .transaction()
    .execute((tx) => keyRotation.rotate(tx, format, { type: 'system', id: 'teeka-cli' }));
  const shown = format === 'vc' ? `${issuerIdentity(issuerHost).did}#${key.kid}` : key.kid;
  return `${DESCRIBED[format]} ${shown} (generation ${key.generation}).`;
}

async function rotateConfigured(config: Config, format: KeyFormat): Promise<string> {
  const ring = await loadKeyRing(config);
  const database = await openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    return await rotateKey(database.db, { ring, issuerHost: config.issuerHost, format });
  } finally {
    await database.close();
  }
}

/** `teeka keys ...`: the certificate issuer's signing keys. */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('certificate signing keys');
  keys
    .command('rotate')
    .description(
      'make a new certificate signing key current; earlier keys stay published and keep verifying (nodes switch within a minute)',
    )
    .addOption(
      new Option(
        '--format <format>',
        'which certificates the key signs: vc (W3C VC), shc (SMART Health Card) or dcc (EU DCC document signer)',
      )
        .choices(KEY_FORMATS)
        .default('vc'),
    )
    .action(async (options: { format: KeyFormat }) => {
      console.log(await rotateConfigured(loadConfig(), options.format));
    });
}
