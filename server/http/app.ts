import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { sql } from 'kysely';

import type { Config } from '../config.js';
import { type KeyRing, loadKeyRing } from '../crypto/keys.js';
import type { DatabaseHandle } from '../db/index.js';
import { createCertificateModule } from '../modules/certificates/module.js';
import { createMasterDataModule } from '../modules/masterdata/module.js';
import { projectRoot } from '../paths.js';
import { type Clock, systemClock } from '../platform/clock.js';
import { createLimits, type Limits } from '../platform/limits.js';
import { Unavailable } from './errors.js';
import { loggerOptions } from './logger.js';
import { registerProblemHandling } from './problem.js';

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  /** Overrides the logger (tests pass a stream-backed logger to read what was logged). */
  logger?: FastifyServerOptions['loggerInstance'];
  /** Time as the services see it (tests pass a manual clock). */
  clock?: Clock;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
/** The built web app (npm install and npm start build it with Vite). */
const webRoot = `${projectRoot}/web/dist`;

export async function buildApp({ config, database, logger, clock = systemClock }: AppDeps) {
  const https = config.tls
    ? {
        cert: readFileSync(config.tls.certFile),
        key: readFileSync(config.tls.keyFile),
        minVersion: 'TLSv1.2' as const,
      }
    : null;
  const app = Fastify({
    ...(https ? { https } : {}),
    ...(logger ? { loggerInstance: logger } : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy ?? false,
    // A caller's own request id is kept when it is well-formed, so that traces join up.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  const limits: Limits = createLimits({ redisUrl: config.redisUrl, namespace: config.redisPrefix });
  if (limits.backend === 'redis' && !(await limits.ready())) {
    app.log.warn('Redis is not reachable: rate limits are per node until it is');
  }
  app.addHook('onClose', () => limits.close());
  const keys: KeyRing = await loadKeyRing(config);
  const platform = { db: database.db, limits, clock, config, keys };

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandling(app);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Teeka API',
        version: '0.1.0',
        description:
          'Public and citizen endpoints follow CoWIN API v2 paths and shapes; staff, partner and admin endpoints are under /api/v1.',
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.get('/docs/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up' } }, () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'The database answers' } },
    async () => {
      try {
        await sql`select 1`.execute(database.db);
      } catch {
        throw new Unavailable('The database is not reachable.', 'database-unavailable', 5);
      }
      return { status: 'ready', engine: database.engine };
    },
  );

  await app.register(createMasterDataModule(platform).routes);
  await app.register(createCertificateModule(platform).routes);

  await app.register(fastifyStatic, { root: webRoot, wildcard: false });

  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
