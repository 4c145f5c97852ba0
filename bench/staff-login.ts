/**
 * Staff logins per second over loopback HTTP, and the cost of one argon2id hash.
 *
 *   npx tsx bench/staff-login.ts [accounts=64] [rounds=5] [concurrency=8]
 *
 * Each round signs every account in once (password + TOTP, bearer mode), with the clock
 * moved one TOTP step between rounds because a code is accepted once. Embedded PGlite.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';

import { PGlite } from '@electric-sql/pglite';
import argon2 from 'argon2';

import { loadConfig } from '../server/config.js';
import { openPglite, pgliteOptions } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { buildApp } from '../server/http/app.js';
import { ARGON2_PARAMS } from '../server/modules/staff/credentials.js';
import { manualClock } from '../server/platform/clock.js';
import { linkToken, staffClient, totp } from '../test/helpers/staff.js';

const [accounts = 64, rounds = 5, concurrency = 8] = process.argv.slice(2).map(Number);

async function argon2Cost(samples = 20) {
  await argon2.hash('warm-up password', ARGON2_PARAMS);
  const started = performance.now();
  for (let i = 0; i < samples; i++) await argon2.hash(`password number ${i}`, ARGON2_PARAMS);
  return (performance.now() - started) / samples;
}

async function main() {
  const perHash = await argon2Cost();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: `bench:${randomBytes(32).toString('base64')}`,
  });
  const database = openPglite(new PGlite(pgliteOptions()));
  await migrateToLatest(database.db);
  const clock = manualClock();
  const app = await buildApp({ config, database, clock });
  const client = staffClient({ app, database, logs: [], close: () => app.close() }, clock);
  const admin = await client.nationalAdmin();
  const members: { username: string; password: string; secret: string }[] = [];
  for (let i = 0; i < accounts; i++) {
    const username = `bench.${i}`;
    const password = `bench passphrase number ${i}`;
    const created = await client.post(
      '/api/v1/staff/accounts',
      { username, grants: [{ role: 'verifier', district_id: 294 }] },
      admin.headers,
    );
    const secret = await client.enrol(
      linkToken(created.json<{ enrolmentUrl: string }>().enrolmentUrl),
      password,
    );
    members.push({ username, password, secret });
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  let ok = 0;
  let failed = 0;
  const latencies: number[] = [];
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    clock.advance(30_000);
    const queue = [...members];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let m = queue.shift(); m; m = queue.shift()) {
          const t0 = performance.now();
          const response = await fetch(`${url}/api/v1/staff/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              username: m.username,
              password: m.password,
              code: totp(m.secret, clock),
              mode: 'bearer',
            }),
          });
          await response.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (response.status === 200) ok++;
          else failed++;
        }
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.floor((latencies.length - 1) * p)]?.toFixed(1);
  console.log(
    JSON.stringify(
      {
        machine: `${os.cpus().length} cpu (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
        argon2: 'argon2id m=19456 KiB t=2 p=1',
        argon2MsPerHash: Number(perHash.toFixed(1)),
        logins: ok,
        failed,
        concurrency,
        loginsPerSecond: Number((ok / seconds).toFixed(1)),
        latencyMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
      },
      null,
      2,
    ),
  );
  await app.close();
  await database.close();
}

await main();
