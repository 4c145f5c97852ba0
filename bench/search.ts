/**
 * Public search throughput: autocannon over loopback against Teeka's calendarByDistrict
 * and findByPin, each next to a bare Fastify route serving the same JSON from memory in
 * the same run (the ceiling).
 *
 *   npx tsx bench/search.ts                        # embedded PGlite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
 *     npx tsx bench/search.ts                      # PostgreSQL (+ Redis rate-limit counters)
 *
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 50) tune the load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const root = path.resolve(import.meta.dirname, '..');

interface Ready {
  engine: string;
  teeka: string;
  bare: string;
  paths: Record<string, string>;
  bytes: Record<string, number>;
}

async function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/search-server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('READY '));
      if (line) resolve(JSON.parse(line.slice(6)) as Ready);
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${String(code)}`)));
  });
  return { child, ready };
}

async function measure(url: string, duration: number) {
  const result = await autocannon({ url, connections, duration, pipelining: 1 });
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const env: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  TEEKA_DEMO_SEED: 'false',
  // One client address makes every request: the per-IP limit still runs, but never refuses.
  TEEKA_SEARCH_RATE_LIMIT: '10000000',
};
let cleanup = async () => {};
const pgUrl = process.env.DATABASE_URL;
if (pgUrl) {
  const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(pgUrl, `CREATE DATABASE ${name}`);
  env.DATABASE_URL = databaseUrl(pgUrl, name);
  if (process.env.REDIS_URL) {
    env.REDIS_URL = process.env.REDIS_URL;
    env.TEEKA_REDIS_PREFIX = name;
  }
  cleanup = () => adminQuery(pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
} else {
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-bench-'));
  env.TEEKA_DATA_DIR = dir;
  cleanup = () => rm(dir, { recursive: true, force: true });
}

const { child, ready } = await startServer(env);
try {
  console.log(
    `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, engine ${ready.engine}${env.REDIS_URL ? ' + Redis' : ''}, ${connections} connections, ${seconds} s each`,
  );
  console.log(
    '| endpoint | answer bytes | Teeka req/s | Teeka p99 ms | bare Fastify req/s | bare p99 ms | bare errors | Teeka / bare |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, pathname] of Object.entries(ready.paths)) {
    await measure(`${ready.teeka}${pathname}`, 2); // warm-up: JIT and the first cache fill
    await measure(`${ready.bare}/bare/${name}`, 2);
    const teeka = await measure(`${ready.teeka}${pathname}`, seconds);
    const bare = await measure(`${ready.bare}/bare/${name}`, seconds);
    if (teeka.non2xx + teeka.errors > 0) {
      throw new Error(`${name}: Teeka failed requests (${JSON.stringify(teeka)})`);
    }
    console.log(
      `| ${name} | ${ready.bytes[name] ?? 0} | ${teeka.rps} | ${teeka.p99} | ${bare.rps} | ${bare.p99} | ${bare.errors + bare.non2xx} | ${Math.round((100 * teeka.rps) / bare.rps)}% |`,
    );
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await cleanup();
}
