/**
 * Partner calls per second with every check on: token signature and expiry, client status,
 * allow-list, scope, per-minute and per-day quotas (Redis when REDIS_URL is set), the
 * enumeration count, and a consent use spent atomically with its audit record.
 *
 *   npx tsx bench/partners.ts                                   # embedded PGlite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
 *     npx tsx bench/partners.ts                                 # PostgreSQL + Redis
 *
 * The server runs in this process (the bench sets up clients, people, certificates and
 * consents through the real app and services), and so does autocannon: they share one event
 * loop, so the figures are lower bounds. Three runs: the public search without any guard
 * (the baseline), the same answer behind the partner guard (availability:read), then
 * consented KYC-VS reads. Prints Markdown table rows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';
import pino from 'pino';

import { loadConfig } from '../server/config.js';
import { createKeyRing, parseMasterKeys } from '../server/crypto/keys.js';
import { type DatabaseHandle, openPglite, openPostgres } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { buildApp } from '../server/http/app.js';
import { createAuditModule } from '../server/modules/audit/module.js';
import { createCertificateModule } from '../server/modules/certificates/module.js';
import { createClientService } from '../server/modules/partners/clients-service.js';
import type { Scope } from '../server/modules/partners/scopes.js';
import { createPartnerStore } from '../server/modules/partners/store.js';
import { systemClock } from '../server/platform/clock.js';
import { createLimits } from '../server/platform/limits.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const AVAILABILITY_CALLS = 9_000;
const PEOPLE = 20;
const CONSENTS_PER_PERSON = 15;
const USES = 10;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function openDatabase(): Promise<{ database: DatabaseHandle; drop: () => Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const { PGlite } = await import('@electric-sql/pglite');
    const { pgliteOptions } = await import('../server/db/index.js');
    const pglite = new PGlite({ ...pgliteOptions() });
    await pglite.waitReady;
    return { database: openPglite(pglite), drop: () => Promise.resolve() };
  }
  const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return {
    database: openPostgres(databaseUrl(adminUrl, name), 20),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function main() {
  const { database, drop } = await openDatabase();
  await migrateToLatest(database.db);
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-bench-'));
  const outbox = path.join(dir, 'outbox.jsonl');
  const masterKey = `bench:${randomBytes(32).toString('base64')}`;
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: masterKey,
    TEEKA_SMS_OUTBOX: outbox,
    TEEKA_OTP_PER_IP: '100000',
    TEEKA_OTP_PER_MOBILE: '100',
    TEEKA_IP_RATE_LIMIT: '1000000',
    TEEKA_SEARCH_RATE_LIMIT: '10000000',
    ...(process.env.REDIS_URL
      ? {
          REDIS_URL: process.env.REDIS_URL,
          TEEKA_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
        }
      : {}),
  });
  const app = await buildApp({ config, database, logger: pino({ level: 'warn' }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  const keys = createKeyRing(parseMasterKeys(masterKey, 'bench'));
  const limits = createLimits({});

  try {
    const lastOtp = async (mobile: string) => {
      const lines = (await readFile(outbox, 'utf8')).trimEnd().split('\n');
      const last = JSON.parse(lines.at(-1) ?? '{}') as { to: string; text: string };
      const otp = last.to === mobile ? /\b(\d{6})\b/.exec(last.text)?.[1] : undefined;
      if (!otp) throw new Error('no OTP in the outbox');
      return otp;
    };
    // The client is registered through the partners service, as the admin API does.
    const clients = createClientService({
      store: createPartnerStore(),
      audit: createAuditModule().service,
      keys,
      clock: systemClock,
    });
    // One client per run: the largest quota a client may have is 10,000 calls a minute.
    const newClient = async (name: string, scopes: Scope[]) => {
      const client = await database.db.transaction().execute((tx) =>
        clients.create(
          tx,
          { type: 'system', id: 'bench' },
          {
            name,
            purpose: 'Measures partner calls per second',
            contact: 'bench@example.org',
            scopes,
            allow_list: ['127.0.0.0/8'],
            per_minute: 10_000,
            per_day: 1_000_000,
          },
          { requestId: 'bench', clientIp: '127.0.0.1' },
        ),
      );
      const tokenResponse = await app.inject({
        method: 'POST',
        url: '/api/v1/partners/token',
        payload: {
          grant_type: 'client_credentials',
          client_id: client.client_id,
          client_secret: client.client_secret,
        },
      });
      const token = tokenResponse.json<{ access_token: string }>().access_token;
      return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    };
    const headers = await newClient('Bench KYC Partner', ['vaccination-status:consented']);
    const availabilityHeaders = await newClient('Bench Availability Partner', [
      'availability:read',
    ]);

    const certificates = createCertificateModule({
      db: database.db,
      limits,
      clock: systemClock,
      config,
      keys,
    });
    const reads: string[] = [];
    for (let p = 0; p < PEOPLE; p++) {
      const mobile = String(7_100_000_000 + p);
      const sent = await app.inject({
        method: 'POST',
        url: '/api/v2/auth/public/generateOTP',
        payload: { mobile },
      });
      const { txnId } = sent.json<{ txnId: string }>();
      const confirmed = await app.inject({
        method: 'POST',
        url: '/api/v2/auth/public/confirmOTP',
        payload: { otp: sha256(await lastOtp(mobile)), txnId },
      });
      const citizen = confirmed.json<{ token: string }>().token;
      const registered = await app.inject({
        method: 'POST',
        url: '/api/v2/registration/beneficiary/new',
        headers: { authorization: `Bearer ${citizen}` },
        payload: {
          name: 'Bench Person',
          birth_year: '1980',
          gender_id: 1,
          photo_id_type: 12,
          photo_id_number: `BNP${String(1_000_000 + p)}`,
          comorbidity_ind: 'N',
          consent_version: 'V1',
        },
      });
      const ref = registered.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
      await database.db.transaction().execute((tx) =>
        certificates.service.issueCertificate(tx, {
          kind: 'final',
          beneficiaryReferenceId: ref,
          name: 'Bench Person',
          yearOfBirth: 1980,
          gender: 'Male',
          photoId: { type: 'Voter ID', maskedNumber: 'XXXXXX0001' },
          vaccine: 'COVISHIELD',
          manufacturer: 'Serum Institute of India Pvt. Ltd.',
          batch: 'B1',
          dose: 2,
          totalDoses: 2,
          vaccinatedAt: new Date('2026-01-10T10:00:00Z'),
          centre: { name: 'Bench Centre', district: 'BBMP', state: 'Karnataka' },
          vaccinator: 'Bench Vaccinator',
        }),
      );
      for (let c = 0; c < CONSENTS_PER_PERSON; c++) {
        const asked = await app.inject({
          method: 'POST',
          url: '/api/v1/partners/consents',
          headers,
          payload: {
            mobile,
            beneficiary_reference_id: ref,
            scope: 'vaccination-status:consented',
            purpose: 'Bench vaccination check',
            uses: USES,
          },
        });
        const { request_id: requestId } = asked.json<{ request_id: string }>();
        const completed = await app.inject({
          method: 'POST',
          url: '/api/v1/partners/consents/complete',
          headers,
          payload: { request_id: requestId, otp: await lastOtp(mobile) },
        });
        const { consent_id: consentId } = completed.json<{ consent_id: string }>();
        for (let u = 0; u < USES; u++)
          reads.push(JSON.stringify({ consent_id: consentId, beneficiary_reference_id: ref }));
      }
    }

    const engine = process.env.DATABASE_URL
      ? `PostgreSQL${process.env.REDIS_URL ? ' + Redis' : ''}`
      : 'PGlite';
    const rows: string[] = [];
    const publicSearch = await autocannon({
      url: `${base}/api/v2/appointment/sessions/public/findByDistrict?district_id=294&date=02-03-2026`,
      connections: CONNECTIONS,
      duration: SECONDS,
    });
    rows.push(
      `| ${engine} | public findByDistrict (no guard, baseline) | ${Math.round(publicSearch.requests.average)} | ${publicSearch.latency.p99} | ${publicSearch.non2xx} |`,
    );
    const availability = await autocannon({
      url: `${base}/api/v1/partners/availability/findByDistrict?district_id=294&date=02-03-2026`,
      connections: CONNECTIONS,
      // Under the client's quota of 10,000 a minute, so that every call is let in.
      amount: AVAILABILITY_CALLS,
      headers: availabilityHeaders,
    });
    rows.push(
      `| ${engine} | availability (guard only) | ${Math.round(availability.requests.average)} | ${availability.latency.p99} | ${availability.non2xx} |`,
    );
    let next = 0;
    const consented = await autocannon({
      url: `${base}/api/v1/partners/vaccination-status`,
      connections: CONNECTIONS,
      amount: reads.length,
      method: 'POST',
      headers,
      requests: [
        { setupRequest: (request) => ({ ...request, body: reads[next++ % reads.length] }) },
      ],
    });
    rows.push(
      `| ${engine} | vaccination-status (consented) | ${Math.round(consented.requests.average)} | ${consented.latency.p99} | ${consented.non2xx} |`,
    );
    console.log('| engine | call | req/s | p99 ms | non-2xx |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
  } finally {
    await app.close();
    await limits.close();
    await database.close();
    await drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
