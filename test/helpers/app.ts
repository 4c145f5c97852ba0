import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

import pino from 'pino';

import { loadConfig } from '../../server/config.js';
import { type App, buildApp } from '../../server/http/app.js';
import { loggerOptions } from '../../server/http/logger.js';
import type { Clock } from '../../server/platform/clock.js';
import { freshDatabase } from './db.js';

export interface TestApp {
  app: App;
  database: Awaited<ReturnType<typeof freshDatabase>>;
  /** Every line the app logged, as written (JSON). */
  logs: string[];
  close(): Promise<void>;
}

/** The real app on a fresh database, driven with app.inject(); logs are captured for inspection. */
export async function testApp(
  env: Record<string, string> = {},
  {
    clock,
    database: given,
  }: { clock?: Clock; database?: Awaited<ReturnType<typeof freshDatabase>> } = {},
): Promise<TestApp> {
  const config = loadConfig({
    // The PostgreSQL run also runs on Redis; each app gets its own key space.
    ...(process.env.REDIS_URL
      ? {
          REDIS_URL: process.env.REDIS_URL,
          TEEKA_REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}`,
        }
      : {}),
    NODE_ENV: 'test',
    TEEKA_MASTER_KEY: `test:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'info',
    TEEKA_DEMO_SEED: 'false',
    ...env,
  });
  const database = given ?? (await freshDatabase());
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await buildApp({
    config,
    database,
    logger: pino(loggerOptions(config.logLevel), stream),
    ...(clock ? { clock } : {}),
  });
  return {
    app,
    database,
    logs,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
