import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { loadConfig } from '../../server/config.js';
import { type RunningServer, startServer } from '../../server/runtime.js';
import { engine, freshDatabase } from '../helpers/db.js';

/** The real server listening on a loopback port, on a fresh database of either engine. */
export async function listeningServer(
  env: Record<string, string>,
): Promise<RunningServer & { stop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'teeka-edge-'));
  const database = engine === 'postgres' ? await freshDatabase(1) : undefined;
  const server = await startServer(
    loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      TEEKA_DATA_DIR: dataDir,
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
      TEEKA_MASTER_KEY: `test:${randomBytes(32).toString('base64')}`,
      TEEKA_DEMO_SEED: 'false',
      LOG_LEVEL: 'silent',
      TEEKA_IP_RATE_LIMIT: '100000',
      ...env,
    }),
  );
  return {
    ...server,
    async stop() {
      await server.close();
      await database?.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
