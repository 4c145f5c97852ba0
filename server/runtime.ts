import type { Server } from 'node:http';

import type { Config } from './config.js';
import type { DatabaseHandle } from './db/index.js';
import { migrateToLatest } from './db/migrate.js';
import { openConfiguredDatabase } from './db/open.js';
import { type App, buildApp } from './http/app.js';
import { startHttpsRedirect } from './http/edge/redirect.js';
import { createAuditModule } from './modules/audit/module.js';
import { seedDemoWorld } from './modules/facilities/demo.js';
import { createFacilityStore } from './modules/facilities/store.js';

export interface RunningServer {
  app: App;
  database: DatabaseHandle;
  url: string;
  /** The plain-HTTP listener that only redirects to HTTPS (TEEKA_HTTP_REDIRECT_PORT). */
  redirectUrl: string | undefined;
  close(): Promise<void>;
}

/** Opens and migrates the database; in development, seeds the demo world on first start. */
export async function prepareDatabase(
  config: Config,
  log: (msg: string) => void,
): Promise<DatabaseHandle> {
  const database = await openConfiguredDatabase(config);
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log(`Applied migrations: ${applied.join(', ')}`);
    if (config.demoSeed) {
      const seeded = await database.db.transaction().execute((tx) =>
        seedDemoWorld(tx, {
          store: createFacilityStore(),
          audit: createAuditModule().service,
          now: new Date(),
        }),
      );
      if (seeded)
        log(
          `Seeded the demo world: ${seeded.centres} centres, ${seeded.sessions} sessions for the coming week.`,
        );
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const database = await prepareDatabase(config, () => undefined);
  const app = await buildApp({ config, database });
  let closing: Promise<void> | undefined;
  let redirect: Server | undefined;
  const close = () =>
    (closing ??= (async () => {
      if (redirect) await new Promise((resolve) => redirect?.close(resolve));
      await app.close(); // stops accepting, lets in-flight requests finish
      await database.close();
    })());
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let port = config.port;
  try {
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    if (config.tls && config.edge.httpRedirectPort !== undefined) {
      redirect = await startHttpsRedirect({
        host: config.host,
        port: config.edge.httpRedirectPort,
        httpsPort: port,
        headersTimeoutMs: config.edge.headersTimeoutMs,
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  const redirectAddress = redirect?.address();
  const redirectUrl =
    typeof redirectAddress === 'object' && redirectAddress
      ? `http://${host}:${redirectAddress.port}`
      : undefined;
  return {
    app,
    database,
    url: `${config.tls ? 'https' : 'http'}://${host}:${port}`,
    redirectUrl,
    close,
  };
}
