import { type Command, Option } from 'commander';

import { type Config, loadConfig } from '../config.js';
import { type KeyRing, loadKeyRing } from '../crypto/keys.js';
import type { Db } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { openConfiguredDatabase } from '../db/open.js';
import { createAuditModule } from '../modules/audit/module.js';
import { createFormatKeys } from '../modules/certificates/format-keys.js';
import { createFormatKeyStore } from '../modules/certificates/format-store.js';
import { createIssuerKeys } from '../modules/certificates/issuer-keys.js';
import { issuerIdentity } from '../modules/certificates/service.js';
import { createCertificateStore } from '../modules/certificates/store.js';
import { systemClock } from '../platform/clock.js';

export const KEY_FORMATS = ['vc', 'shc', 'dcc'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

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
  return db.transaction().execute(async (tx) => {
    let created: { kid: string; generation: number; shown: string };
    if (format === 'vc') {
      const issuerKeys = createIssuerKeys({
        store: createCertificateStore(),
        keys: ring,
        clock: systemClock,
        issuer: issuerIdentity(issuerHost).did,
      });
      const key = await issuerKeys.rotate(tx);
      created = { kid: key.kid, generation: key.generation, shown: key.verificationMethod };
    } else {
      const formatKeys = createFormatKeys({
        store: createFormatKeyStore(),
        keys: ring,
        clock: systemClock,
        issuerHost,
      });
      const key = await formatKeys.rotate(tx, format);
      created = { kid: key.kid, generation: key.generation, shown: key.kid };
    }
    await createAuditModule().service.record(tx, {
      actor: { type: 'system', id: 'teeka-cli' },
      action: 'certificate-key.rotate',
      outcome: 'allowed',
      details: { format, key_id: created.kid, generation: created.generation },
    });
    return `${DESCRIBED[format]} ${created.shown} (generation ${created.generation}).`;
  });
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
