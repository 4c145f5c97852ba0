import type { Command } from 'commander';

import { loadConfig } from '../config.js';
import { loadKeyRing } from '../crypto/keys.js';
import { migrateToLatest } from '../db/migrate.js';
import { openConfiguredDatabase } from '../db/open.js';
import { createAuditModule } from '../modules/audit/module.js';
import { createIssuerKeys } from '../modules/certificates/issuer-keys.js';
import { issuerIdentity } from '../modules/certificates/service.js';
import { createCertificateStore } from '../modules/certificates/store.js';
import { systemClock } from '../platform/clock.js';

/** `teeka keys ...`: the certificate issuer's signing keys. */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('certificate signing keys');
  keys
    .command('rotate')
    .description(
      'make a new certificate signing key current; earlier keys stay published and keep verifying (nodes switch within a minute)',
    )
    .action(async () => {
      const config = loadConfig();
      const ring = await loadKeyRing(config);
      const database = await openConfiguredDatabase(config);
      try {
        await migrateToLatest(database.db);
        const issuerKeys = createIssuerKeys({
          store: createCertificateStore(),
          keys: ring,
          clock: systemClock,
          issuer: issuerIdentity(config.issuerHost).did,
        });
        const key = await database.db.transaction().execute(async (tx) => {
          const created = await issuerKeys.rotate(tx);
          await createAuditModule().service.record(tx, {
            actor: { type: 'system', id: 'teeka-cli' },
            action: 'certificate-key.rotate',
            outcome: 'allowed',
            details: { key_id: created.kid, generation: created.generation },
          });
          return created;
        });
        console.log(
          `Certificates are now signed with ${key.verificationMethod} (generation ${key.generation}).`,
        );
      } finally {
        await database.close();
      }
    });
}
