/**
 * Certificate PDFs served per second through the CoWIN download route
 * (GET /api/v2/registration/certificate/public/download, citizen token, ownership check,
 * audit record, PDF rendered), over loopback with autocannon.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/certificates-download.ts
 *
 * PostgreSQL only: the server runs in a child process (as `npm start` would) and this script
 * issues the certificates into the same database, as the dose-recording node would (a PGlite
 * data directory has one owner). Citizens log in and register over HTTP. Requests rotate over
 * a pool of citizens so that the per-citizen download limit (60 a minute) does not cap the run.
 *
 * With BENCH_KEPT=1 each citizen's PDF is downloaded once before the run, so the run measures
 * serving the kept PDF (certificate_pdfs) rather than rendering it; give it enough citizens
 * (BENCH_CITIZENS) that 60 downloads each cannot be spent within the run, or most answers
 * are 429s. PDFs/s counts the 200s only.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { createKeyRing, parseMasterKeys } from '../server/crypto/keys.js';
import { openPostgres } from '../server/db/index.js';
import { createCertificateModule } from '../server/modules/certificates/module.js';
import { systemClock } from '../server/platform/clock.js';
import { createLimits } from '../server/platform/limits.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';
import { sampleDose } from './certificates-setup.js';

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 60);
const KEPT = process.env.BENCH_KEPT === '1';
const PORT = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${PORT}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function post(url: string, body: object, token?: string) {
  const response = await fetch(base + url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json() as Promise<Record<string, string>>;
}

async function main() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('Set DATABASE_URL (the bench issues into the server database)');
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-bench-'));
  const outbox = path.join(dir, 'outbox.jsonl');
  await writeFile(outbox, '');
  const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = databaseUrl(adminUrl, name);
  const masterKey = `bench:${randomBytes(32).toString('base64')}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(PORT),
      DATABASE_URL: url,
      TEEKA_MASTER_KEY: masterKey,
      TEEKA_DEMO_SEED: 'false',
      LOG_LEVEL: 'warn',
      TEEKA_SMS_OUTBOX: outbox,
      TEEKA_OTP_PER_IP: '100000',
      // One address sends every request: the per-address limit would cap the run.
      TEEKA_IP_RATE_LIMIT: '1000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const database = openPostgres(url, 2);
  const limits = createLimits({ redisUrl: undefined, namespace: 'bench' });
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null || i > 600) throw new Error('the server did not start');
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const node = createCertificateModule({
      db: database.db,
      limits,
      clock: systemClock,
      config: { issuerHost: 'localhost' },
      keys: createKeyRing(parseMasterKeys(masterKey, 'bench')),
    });
    const citizens: { token: string; ref: string }[] = [];
    for (let i = 0; i < CITIZENS; i++) {
      const mobile = String(7_000_000_000 + Math.floor(Math.random() * 999_999_999));
      const { txnId = '' } = await post('/api/v2/auth/public/generateOTP', { mobile });
      const lines = (await readFile(outbox, 'utf8')).trim().split('\n');
      const sent = lines.map((l) => JSON.parse(l) as { to: string; text: string });
      const otp = /\b(\d{6})\b/.exec(sent.filter((m) => m.to === mobile).at(-1)?.text ?? '')?.[1];
      const { token = '' } = await post('/api/v2/auth/public/confirmOTP', {
        otp: sha256(otp ?? ''),
        txnId,
      });
      const { beneficiary_reference_id: ref = '' } = await post(
        '/api/v2/registration/beneficiary/new',
        {
          name: 'Aaradhya Krishnamurthy',
          birth_year: '1988',
          gender_id: 2,
          photo_id_type: 12,
          photo_id_number: `BND${1_000_000 + i}`,
          comorbidity_ind: 'N',
          consent_version: 'V1',
        },
        token,
      );
      await database.db
        .transaction()
        .execute((tx) =>
          node.service.issueCertificate(tx, { ...sampleDose(i), beneficiaryReferenceId: ref }),
        );
      citizens.push({ token, ref });
    }
    const downloadPath = (ref: string) =>
      `/api/v2/registration/certificate/public/download?beneficiary_reference_id=${ref}`;
    if (KEPT) {
      for (const { token, ref } of citizens) {
        const response = await fetch(base + downloadPath(ref), {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!response.ok) throw new Error(`the first download answered ${response.status}`);
        await response.arrayBuffer();
      }
    }

    let next = 0;
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        {
          url: base,
          connections: CONNECTIONS,
          duration: DURATION_SECONDS,
          requests: [
            {
              method: 'GET',
              setupRequest: (request) => {
                const citizen = citizens[next++ % citizens.length];
                return {
                  ...request,
                  path: downloadPath(citizen?.ref ?? ''),
                  headers: { authorization: `Bearer ${citizen?.token ?? ''}` },
                };
              },
            },
          ],
        },
        (error: unknown, r) => (error ? reject(new Error('autocannon failed')) : resolve(r)),
      );
    });
    const date = new Date().toISOString().slice(0, 10);
    console.log(
      '| date | engine | PDF | connections | duration | PDFs/s | p50 ms | p99 ms | KiB/PDF | non-2xx / errors |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    console.log(
      `| ${date} | PostgreSQL | ${KEPT ? 'kept' : 'rendered'} | ${CONNECTIONS} | ${DURATION_SECONDS} s | ${(result['2xx'] / DURATION_SECONDS).toFixed(1)} | ${result.latency.p50} | ${result.latency.p99} | ${Math.round(result.throughput.total / Math.max(1, result['2xx']) / 1024)} | ${result.non2xx} / ${result.errors} |`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await limits.close();
    await database.close();
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
