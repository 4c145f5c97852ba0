import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConfigError, loadConfig } from './config.js';
import { prepareDatabase } from './runtime.js';

/** The server entry each worker runs (main.ts under tsx, main.js when built). */
const here = fileURLToPath(import.meta.url);
const workerEntry = path.join(path.dirname(here), `main${path.extname(here)}`);
/** A worker that dies after it served is replaced, no faster than this. */
const RESTART_DELAY_MS = 1000;

const say = (message: string) => {
  console.log(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg: message }));
};

/**
 * `teeka serve --workers N`: N server processes on one port (node:cluster hands each new
 * connection to the next worker). Every worker is a whole, stateless Teeka node, so what
 * they share goes through PostgreSQL, Redis and NATS exactly as separate machines would.
 * SIGTERM or SIGINT stops all of them gracefully; the primary exits when the last has.
 */
export async function serveWorkers(count: number): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError(
      'Invalid configuration: --workers above 1 needs DATABASE_URL: the embedded database is held by one process.',
    );
  }
  // Migrations and the demo world once, here, rather than raced by every worker.
  const database = await prepareDatabase(config, say);
  await database.close();
  if (!config.redisUrl) {
    say('REDIS_URL is not set: each worker keeps its own rate limits, so limits are per worker');
  }

  cluster.setupPrimary({ exec: workerEntry, execArgv: process.execArgv });
  let stopping = false;
  const listening = new WeakSet<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => listening.add(worker));
  };
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    if (workers.length === 0) process.exit(code);
    for (const worker of workers) worker.process.kill('SIGTERM');
    let left = workers.length;
    cluster.on('exit', () => {
      if (--left === 0) process.exit(code);
    });
  };

  cluster.on('exit', (worker, exitCode, signal) => {
    if (stopping) return;
    if (!listening.has(worker)) {
      // It never served: a bad setting or an unreachable service, which a restart repeats.
      say(`A worker stopped before it served (exit ${exitCode}); stopping all workers`);
      stopAll(1);
      return;
    }
    say(
      `Worker ${worker.process.pid} ended (exit ${exitCode}, signal ${signal}); starting another`,
    );
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      say(`${signal} received: stopping ${count} workers after their in-flight requests`);
      stopAll(0);
    });
  }
  for (let i = 0; i < count; i++) fork();
  say(`Teeka runs ${count} workers on port ${config.port}`);
}
