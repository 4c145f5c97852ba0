/**
 * What the kill-switch check costs a public call: autocannon over loopback against
 * GET /api/v2/admin/location/states (master data, answered from memory: the cheapest public
 * route, where a fixed cost shows most) on Teeka before the kill switch and on this tree,
 * both running at once and measured in turns, so that a loaded machine drifts both alike.
 * "After" has a client and a scope switched off, so the check looks into non-empty maps.
 *
 *   BENCH_BEFORE_REV=<commit before the kill switch> npx tsx bench/kill-switch.ts
 *
 * BENCH_SECONDS (10), BENCH_CONNECTIONS (50) and BENCH_ROUNDS (3) tune the load.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { runCli } from '../server/cli/teeka.js';
import { freePort, waitForHealth } from '../test/helpers/process.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const beforeRev = process.env.BENCH_BEFORE_REV ?? 'main';
const root = path.resolve(import.meta.dirname, '..');
const ROUTE = '/api/v2/admin/location/states';

const work = await mkdtemp(path.join(tmpdir(), 'teeka-bench-ks-'));
const children: ChildProcess[] = [];

/** The tree at `rev`, beside this one, sharing its node_modules. */
async function checkout(rev: string): Promise<string> {
  const dir = path.join(work, 'before');
  await mkdir(dir);
  const archive = execFileSync('git', ['-C', root, 'archive', rev], { maxBuffer: 2 ** 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function start(cwd: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url);
  return url;
}

async function measure(url: string, duration: number) {
  const result = await autocannon({ url: `${url}${ROUTE}`, connections, duration });
  // A refusal would mean the switch refused a call it must not: that is a failure, not a figure.
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    // Client timeouts (10 s) on an overloaded machine: reported, not hidden.
    timeouts: result.timeouts,
  };
}

const base = (name: string) => ({
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  TEEKA_DEMO_SEED: 'false',
  TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
  // One client address makes every request: the per-IP budget still runs, but never refuses.
  TEEKA_IP_RATE_LIMIT: '1000000',
  TEEKA_MASTER_KEY: `bench:${randomBytes(32).toString('base64')}`,
  TEEKA_DATA_DIR: path.join(work, name),
});

try {
  const afterEnv = base('after-data');
  // Switched off before the server starts: on the embedded database the CLI needs it stopped.
  Object.assign(process.env, afterEnv);
  for (const target of [
    ['--client', 'bench-partner'],
    ['--scope', 'reports:aggregate'],
  ])
    await runCli(['node', 'teeka', 'kill-switch', 'on', ...target, '--reason', 'bench']);

  const urls = {
    before: await start(await checkout(beforeRev), base('before-data')),
    after: await start(root, afterEnv),
  };
  console.log(
    `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PGlite, load average ${loadavg()[0]?.toFixed(1) ?? '?'}, ${connections} connections, ${seconds} s each; before = ${beforeRev}`,
  );
  for (const url of Object.values(urls)) await measure(url, 2); // warm-up: JIT
  console.log(
    '| round | before req/s | before p50/p99 ms | after req/s | after p50/p99 ms | after / before | timeouts before/after |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (let round = 1; round <= rounds; round++) {
    const before = await measure(urls.before, seconds);
    const after = await measure(urls.after, seconds);
    console.log(
      `| ${round} | ${before.rps} | ${before.p50}/${before.p99} | ${after.rps} | ${after.p50}/${after.p99} | ${Math.round((100 * after.rps) / before.rps)}% | ${before.timeouts}/${after.timeouts} |`,
    );
  }
  console.log(`load average at the end ${loadavg()[0]?.toFixed(1) ?? '?'}`);
} finally {
  for (const child of children) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await rm(work, { recursive: true, force: true });
}
