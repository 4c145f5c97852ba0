import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './process.js';

/**
 * PostgreSQL and Redis servers of a test's own, on free loopback ports in temporary
 * directories, that the test may stop and start again (the fault tests) without touching
 * the machine's shared services. The binaries are installed on every machine Teeka is
 * tested on: a missing one fails the test, it never skips it.
 */
const PG_BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

/** Each server still running at process exit is killed and its directory removed (a worker that died mid-test). */
const leftovers = new Set<() => void>();
process.once('exit', () => {
  for (const cleanUp of leftovers) cleanUp();
});

const asRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
async function pgCommand(command: string, args: string[]): Promise<void> {
  const binary = path.join(PG_BIN, command);
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', binary, ...args]]
    : [binary, args];
  await run(file, argv, { timeout: 60_000 });
}

async function postgresOwns(dir: string): Promise<void> {
  if (!asRoot) return;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout);
  await chown(dir, await id('-u'), await id('-g'));
}

export interface PrivatePostgres {
  /** A superuser connection to the `postgres` database (trust authentication, loopback only). */
  url: string;
  /** `pg_ctl stop -m fast`: open connections are ended (57P01), new ones are refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory; safe to call twice. */
  close(): Promise<void>;
}

export async function privatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const port = await freePort();
  let running = false;
  const killAtExit = () => {
    try {
      // The first line of postmaster.pid is the postmaster's pid; SIGQUIT stops it at once.
      const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  leftovers.add(killAtExit);
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      // Loopback TCP only (no Unix socket), and no durability: the data lives for one test.
      const options = `-p ${port} -h 127.0.0.1 -k '' -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
      await pgCommand('pg_ctl', ['start', '--wait', '-D', data, '-l', log, '-o', options]);
      running = true;
    },
    async stop() {
      await pgCommand('pg_ctl', ['stop', '--wait', '--mode', 'fast', '-D', data]);
      running = false;
    },
    async close() {
      if (!leftovers.delete(killAtExit)) return;
      if (running) await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await postgresOwns(dir);
    await pgCommand('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8']);
    await server.start();
  } catch (error) {
    const written = await readFile(log, 'utf8').catch(() => '');
    await server.close();
    throw new Error(`The private PostgreSQL did not start: ${String(error)}\n${written}`);
  }
  return server;
}

export interface PrivateRedis {
  url: string;
  /** Ends the server (SIGTERM); its port refuses connections until `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const killAtExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  leftovers.add(killAtExit);
  const server: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`redis-server did not start: ${output}`)),
          10_000,
        );
        const fail = (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(`redis-server exited: ${output}`));
        };
        started.once('error', fail);
        started.once('exit', fail);
        started.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer);
            started.off('exit', fail);
            resolve();
          }
        });
      });
    },
    async stop() {
      const stopping = child;
      child = undefined;
      if (!stopping || stopping.exitCode !== null) return;
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      stopping.kill('SIGTERM');
      await exited;
    },
    async close() {
      if (!leftovers.delete(killAtExit)) return;
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}
