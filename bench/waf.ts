/**
 * The firewall's cost per request: requests per second with TEEKA_FIREWALL=block and
 * TEEKA_FIREWALL=off, same process, same run, on loopback. Both servers keep everything
 * else (headers, load shedding, per-IP budget, set high here so it never refuses).
 *
 *   npx tsx bench/waf.ts [seconds per run, default 10]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { loadConfig } from '../server/config.js';
import { type RunningServer, startServer } from '../server/runtime.js';

const seconds = Number(process.argv[2] ?? 10);
// /healthz isolates the edge's own cost; the location routes add a database read.
const routes = [
  '/healthz',
  '/api/v2/admin/location/states',
  '/api/v2/admin/location/districts/16?lang=en',
];

async function server(firewall: 'block' | 'off', dataDir: string): Promise<RunningServer> {
  return startServer(
    loadConfig({
      NODE_ENV: 'development',
      PORT: '0',
      TEEKA_DATA_DIR: dataDir,
      TEEKA_MASTER_KEY: `bench:${randomBytes(32).toString('base64')}`,
      TEEKA_DEMO_SEED: 'false',
      LOG_LEVEL: 'warn',
      TEEKA_FIREWALL: firewall,
      TEEKA_IP_RATE_LIMIT: '1000000',
    }),
  );
}

async function measure(url: string, duration: number) {
  const result = await autocannon({ url, connections: 32, duration });
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

const dirs = await Promise.all([0, 1].map(() => mkdtemp(path.join(tmpdir(), 'teeka-bench-'))));
const servers = {
  block: await server('block', dirs[0] ?? ''),
  off: await server('off', dirs[1] ?? ''),
};
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
console.log(`date: ${new Date().toISOString()}; ${seconds} s per run, 32 connections, PGlite`);
try {
  for (const route of routes) {
    for (const which of ['off', 'block'] as const)
      await measure(`${servers[which].url}${route}`, 2); // warm-up
    const rows: Record<string, unknown>[] = [];
    // Alternating order, twice, so that neither side always runs on a warmer machine.
    for (const which of ['block', 'off', 'off', 'block'] as const) {
      rows.push({ firewall: which, ...(await measure(`${servers[which].url}${route}`, seconds)) });
    }
    const mean = (which: string) => {
      const own = rows.filter((row) => row.firewall === which).map((row) => row.rps as number);
      return Math.round(own.reduce((a, b) => a + b, 0) / own.length);
    };
    console.log(`\n${route}`);
    console.table(rows);
    const on = mean('block');
    const off = mean('off');
    console.log(
      `mean req/s: firewall ${on}, without ${off}: ${(((off - on) / off) * 100).toFixed(1)}% fewer with it`,
    );
  }
} finally {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
