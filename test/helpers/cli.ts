import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { vi } from 'vitest';

import { runCli } from '../../server/cli/teeka.js';
import { engine, freshDatabase } from './db.js';

/**
 * `teeka ...` as an operator runs it, on the deployment's settings from the environment,
 * in the test's own process (vitest gives each file one), which spares a tsx start per call.
 */
export async function teeka(env: Record<string, string>, ...args: string[]) {
  const saved = { ...process.env };
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
  Object.assign(process.env, env);
  process.exitCode = undefined;
  try {
    await runCli(['node', 'teeka', ...args]);
    // The CLI reports a refusal through process.exitCode, as a real process would exit.
    const code: unknown = process.exitCode;
    return { code: typeof code === 'number' ? code : 0, output: lines.join('\n') };
  } finally {
    process.exitCode = undefined;
    process.env = saved;
    log.mockRestore();
    error.mockRestore();
  }
}

/** The environment of a fresh deployment: its own database (a PGlite directory or a PostgreSQL database). */
export async function cliDeployment(
  cleanup: (() => Promise<void>)[],
): Promise<Record<string, string>> {
  const base = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TEEKA_DEMO_SEED: 'false',
    TEEKA_MASTER_KEY: `k1:${randomBytes(32).toString('base64')}`,
  };
  if (engine === 'postgres') {
    const database = await freshDatabase(2);
    cleanup.push(() => database.close());
    return { ...base, DATABASE_URL: database.url ?? '' };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-cli-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return { ...base, TEEKA_DATA_DIR: dir };
}
