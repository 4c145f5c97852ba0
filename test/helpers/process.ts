import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';

/** Real Teeka server processes for tests: `node --import tsx server/main.ts` with its own environment. */
const root = path.resolve(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function startTeeka(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitForHealth(url: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Teeka did not answer ${url}/healthz in time`);
}

/**
 * The environment of a test node: a master key of its own, no demo world, no audit
 * checkpoints or load shedding, and the per-address limits lifted (every request of a test
 * comes from 127.0.0.1: those limits would be the test). `env` adds to it and wins.
 */
export function testNodeEnv(env: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: `test:${randomBytes(32).toString('base64')}`,
    TEEKA_OTP_PER_IP: '100000',
    TEEKA_IP_RATE_LIMIT: '1000000',
    TEEKA_SHED_EVENT_LOOP_DELAY_MS: '0',
    TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
    ...env,
  };
}

/** SIGTERM to each node still running, and their exits awaited. */
export async function stopTeeka(nodes: ReturnType<typeof startTeeka>[]): Promise<void> {
  for (const node of nodes) node.child.kill('SIGTERM');
  await Promise.all(nodes.map((node) => node.exited));
}
