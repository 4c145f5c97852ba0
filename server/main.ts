import { ConfigError, loadConfig } from './config.js';
import { KeyConfigError } from './crypto/keys.js';
import { DataDirLockedError } from './db/open.js';
import { NatsUnavailableError } from './modules/events/jetstream.js';
import type { Tracing } from './platform/tracing.js';
import { startServer } from './runtime.js';

/** Composition root: config -> database -> app -> listen, and a graceful stop on signals. */
async function main(): Promise<void> {
  let server;
  let tracing: Tracing | undefined;
  try {
    const config = loadConfig();
    // Loaded only when an OTLP endpoint is set: off, no OpenTelemetry SDK is in the process.
    if (config.tracing) {
      tracing = await (await import('./platform/tracing.js')).startTracing(config.tracing);
    }
    server = await startServer(config);
    const log = server.app.log;
    log.info(
      `Teeka is serving ${server.url} (database: ${server.database.engine}${config.databaseUrl ? '' : `, data in ${config.dataDir}`}; events: ${config.natsUrl ? 'NATS JetStream' : 'in process'})`,
    );
    if (server.redirectUrl) log.info(`Plain HTTP on ${server.redirectUrl} redirects to HTTPS`);
    if (config.tracing) log.info(`Tracing: spans go to ${new URL(config.tracing.url).origin}`);
    if (config.demoSeed) {
      log.info(
        `Development mode with the demo world. Open ${server.url}/ ; API docs at ${server.url}/docs`,
      );
    }
    if (config.sms.outbox) {
      log.info(
        `Citizens log in with any 10-digit mobile number (POST /api/v2/auth/public/generateOTP); the OTP SMS is written to ${config.sms.outbox}`,
      );
    }
    log.info(
      'Staff: the first national admin is made with `npx teeka staff create-admin --username NAME`',
    );
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof DataDirLockedError ||
      error instanceof KeyConfigError ||
      error instanceof NatsUnavailableError
    ) {
      console.error(error.message);
      await tracing?.shutdown();
      process.exit(1);
    }
    throw error;
  }
  const running = server;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.app.log.info(`${signal} received: finishing in-flight requests, then stopping`);
      running
        .close()
        // The spans of the last requests are sent before the process ends.
        .then(() => tracing?.shutdown())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            running.app.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    });
  }
}

await main();
