/**
 * Citizen front door under load, over loopback: OTP login (generateOTP -> confirmOTP) and
 * registration (beneficiary/new -> appointment/beneficiaries), each connection a new citizen.
 *
 *   npx tsx bench/citizen-flow.ts                       # embedded PGlite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
 *     npx tsx bench/citizen-flow.ts                     # PostgreSQL (+ Redis)
 *
 * The server runs in a child process (as `npm start` would), so that autocannon does not
 * share its event loop. OTPs are read from the development SMS outbox, as a newcomer would.
 * Results are printed as a Markdown table row for docs/benchmarks.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PORT = 18_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${PORT}`;

/** Reads the outbox from where it left off: mobile -> latest OTP. */
function outboxReader(file: string) {
  let offset = 0;
  let partial = '';
  const otps = new Map<string, string>();
  return (mobile: string): string | undefined => {
    if (!otps.has(mobile)) {
      const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      if (size > offset) {
        const fd = openSync(file, 'r');
        const buffer = Buffer.alloc(size - offset);
        readSync(fd, buffer, 0, buffer.length, offset);
        closeSync(fd);
        offset = size;
        const lines = (partial + buffer.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const message = JSON.parse(line) as { to: string; text: string };
          const otp = /\b(\d{6})\b/.exec(message.text)?.[1];
          if (otp) otps.set(message.to, otp);
        }
      }
    }
    const otp = otps.get(mobile);
    otps.delete(mobile);
    return otp;
  };
}

async function waitUntilReady(child: ChildProcess) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('the server exited during start');
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not become ready');
}

function run(title: string, options: autocannon.Options) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ ...options, title }, (error: unknown, result) => {
      if (error) reject(error instanceof Error ? error : new Error('autocannon failed'));
      else resolve(result);
    });
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false });
  });
}

let mobileCounter = 6_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
let voterCounter = 1_000_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface FlowContext {
  mobile?: string;
  txnId?: string;
  token?: string;
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-bench-'));
  const outbox = path.join(dir, 'outbox.jsonl');
  await writeFile(outbox, '');
  const adminUrl = process.env.DATABASE_URL;
  const database = `teeka_bench_${randomBytes(4).toString('hex')}`;
  if (adminUrl) await adminQuery(adminUrl, `CREATE DATABASE ${database}`);
  const engine = adminUrl ? `PostgreSQL${process.env.REDIS_URL ? ' + Redis' : ''}` : 'PGlite';

  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(PORT),
      TEEKA_DATA_DIR: path.join(dir, 'data'),
      TEEKA_DEMO_SEED: 'false',
      LOG_LEVEL: 'warn',
      TEEKA_SMS_OUTBOX: outbox,
      // One load generator on one address stands for many citizens: lift the per-IP cap.
      TEEKA_OTP_PER_IP: '100000',
      TEEKA_SMS_BUDGET_PER_HOUR: '100000000',
      ...(adminUrl ? { DATABASE_URL: databaseUrl(adminUrl, database) } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitUntilReady(child);
    const otpOf = outboxReader(outbox);
    const json = { 'content-type': 'application/json' };

    const send = await run('generateOTP', {
      url: base,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/v2/auth/public/generateOTP',
          headers: json,
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ mobile: String(mobileCounter++) }),
          }),
        },
      ],
    });

    const flow = await run('login + registration', {
      url: base,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
      initialContext: {} satisfies FlowContext,
      requests: [
        {
          method: 'POST',
          path: '/api/v2/auth/public/generateOTP',
          headers: json,
          setupRequest: (request, context: FlowContext) => {
            context.mobile = String(mobileCounter++);
            return { ...request, body: JSON.stringify({ mobile: context.mobile }) };
          },
          onResponse: (_status, body, context: FlowContext) => {
            context.txnId = (JSON.parse(body) as { txnId?: string }).txnId;
          },
        },
        {
          method: 'POST',
          path: '/api/v2/auth/public/confirmOTP',
          headers: json,
          setupRequest: (request, context: FlowContext) => ({
            ...request,
            body: JSON.stringify({
              otp: sha256(otpOf(context.mobile ?? '') ?? '000000'),
              txnId: context.txnId,
            }),
          }),
          onResponse: (_status, body, context: FlowContext) => {
            context.token = (JSON.parse(body) as { token?: string }).token;
          },
        },
        {
          method: 'POST',
          path: '/api/v2/registration/beneficiary/new',
          setupRequest: (request, context: FlowContext) => ({
            ...request,
            headers: { ...json, authorization: `Bearer ${context.token ?? ''}` },
            body: JSON.stringify({
              name: 'Bench Person',
              birth_year: '1985',
              gender_id: 1,
              photo_id_type: 12,
              photo_id_number: `BNC${voterCounter++}`,
              comorbidity_ind: 'N',
              consent_version: 'V1',
            }),
          }),
        },
        {
          method: 'GET',
          path: '/api/v2/appointment/beneficiaries',
          setupRequest: (request, context: FlowContext) => ({
            ...request,
            headers: { authorization: `Bearer ${context.token ?? ''}` },
          }),
        },
      ],
    });

    const date = new Date().toISOString().slice(0, 10);
    const row = (name: string, r: autocannon.Result, per = 1) =>
      `| ${date} | ${engine} | ${name} | ${CONNECTIONS} | ${DURATION_SECONDS} s | ${Math.round(r.requests.average)}${per > 1 ? ` (${Math.round(r.requests.average / per)} flows/s)` : ''} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} / ${r.errors} |`;
    console.log(
      '| date | engine | scenario | connections | duration | req/s | p50 ms | p99 ms | non-2xx / errors |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    console.log(row('generateOTP', send));
    console.log(row('login + registration (4 requests per flow)', flow, 4));
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (adminUrl) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
