import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';

import { doseFacts } from '../../test/helpers/certificates.js';
import { cliDeployment, teeka } from '../../test/helpers/cli.js';
import { loadConfig } from '../config.js';
import { createKeyRing, parseMasterKeys } from '../crypto/keys.js';
import { migrateToLatest } from '../db/migrate.js';
import { openConfiguredDatabase } from '../db/open.js';
import { buildApp } from '../http/app.js';
import { createCertificateModule } from '../modules/certificates/module.js';
import { systemClock } from '../platform/clock.js';
import { createLimits } from '../platform/limits.js';
import { registerKeyCommands } from './keys.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

/** The deployment's app and a certificate node on it (as dose recording would be), fresh caches. */
async function openDeployment(env: Record<string, string>) {
  const config = loadConfig(env);
  const database = await openConfiguredDatabase(config);
  await migrateToLatest(database.db);
  const app = await buildApp({ config, database });
  const node = createCertificateModule({
    db: database.db,
    limits: createLimits({ redisUrl: undefined, namespace: 'keys-test' }),
    clock: systemClock,
    config,
    keys: createKeyRing(parseMasterKeys(env.TEEKA_MASTER_KEY ?? '', 'test')),
  });
  /** One certificate in every format, and the key id each was signed with. */
  const issueAll = (ref: string) =>
    database.db.transaction().execute(async (tx) => {
      const certificate = await node.service.issueCertificate(tx, doseFacts(ref));
      const shc = await node.international.smartHealthCard(tx, certificate);
      const dcc = await node.international.euDcc(tx, certificate);
      const shcKid = (
        JSON.parse(Buffer.from(shc.jws.split('.')[0] ?? '', 'base64url').toString()) as {
          kid: string;
        }
      ).kid;
      return {
        qr: [certificate.qrText, shc.qrText, dcc.qrText],
        kids: {
          vc: certificate.credential.proof.verificationMethod,
          shc: shcKid,
          dcc: (await node.formatKeys.current(tx, 'dcc')).kid,
        },
      };
    });
  const verify = async (qr: string) =>
    (
      await app.inject({ method: 'POST', url: '/api/v1/certificates/verify', payload: { qr } })
    ).json<{ status: string; format: string }>();
  return {
    database,
    issueAll,
    verify,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

describe('teeka keys rotate', () => {
  it('turns over the key of each format: the new key signs, what the old one signed still verifies', async () => {
    const env = await cliDeployment(cleanup);
    let deployed = await openDeployment(env);
    const before = await deployed.issueAll('87654321098765');
    await deployed.close();

    const vc = await teeka(env, 'keys', 'rotate');
    expect(vc.code, vc.output).toBe(0);
    expect(vc.output).toMatch(
      /^W3C VC certificates are now signed with did:web:localhost#[\w-]{43} \(generation 2\)\.$/,
    );
    const shc = await teeka(env, 'keys', 'rotate', '--format', 'shc');
    expect(shc.output).toMatch(
      /^SMART Health Cards are now signed with kid [\w-]{43} \(generation 2\)\.$/,
    );
    const dcc = await teeka(env, 'keys', 'rotate', '--format', 'dcc');
    expect(dcc.output).toMatch(
      /^EU DCCs are now signed by the document signer with kid [\w+/]{11}= \(generation 2\)\.$/,
    );

    deployed = await openDeployment(env);
    try {
      const after = await deployed.issueAll('87654321098766');
      expect(after.kids.vc).not.toBe(before.kids.vc);
      expect(after.kids.shc).not.toBe(before.kids.shc);
      expect(after.kids.dcc).not.toBe(before.kids.dcc);
      expect(shc.output).toContain(after.kids.shc);
      expect(dcc.output).toContain(after.kids.dcc);
      for (const qr of [...before.qr, ...after.qr]) {
        expect(await deployed.verify(qr), qr.slice(0, 8)).toMatchObject({ status: 'valid' });
      }
      const audited = await deployed.database.db
        .selectFrom('audit_log')
        .select(['actor_type', 'actor_id', 'details'])
        .where('action', '=', 'certificate-key.rotate')
        .orderBy('id')
        .execute();
      expect(
        audited.map((row) => [
          row.actor_type,
          row.actor_id,
          row.details.format,
          row.details.generation,
        ]),
      ).toEqual([
        ['system', 'teeka-cli', 'vc', 2],
        ['system', 'teeka-cli', 'shc', 2],
        ['system', 'teeka-cli', 'dcc', 2],
      ]);
      // The new DCC signer is certified by the same CSCA, and both signers stay in the trust list.
      const list = await deployed.database.db
        .selectFrom('certificate_format_keys')
        .select(['format', 'generation'])
        .orderBy('format')
        .orderBy('generation')
        .execute();
      expect(list).toEqual([
        { format: 'csca', generation: 1 },
        { format: 'dcc', generation: 1 },
        { format: 'dcc', generation: 2 },
        { format: 'shc', generation: 1 },
        { format: 'shc', generation: 2 },
      ]);
    } finally {
      await deployed.close();
    }
  }, 240_000);

  it('accepts only vc, shc or dcc as the format', async () => {
    const program = new Command('teeka')
      .exitOverride()
      .configureOutput({ writeErr: () => undefined });
    registerKeyCommands(program);
    await expect(
      program.parseAsync(['node', 'teeka', 'keys', 'rotate', '--format', 'csca']),
    ).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});
