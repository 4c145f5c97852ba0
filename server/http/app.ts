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
import {
  createAppointmentListing,
  createAppointmentModule,
} from '../modules/appointments/module.js';
import { accessLogRoutes } from '../modules/audit/access-log-routes.js';
import { recordRefusals } from '../modules/audit/denied.js';
import { createAuditModule, createAuditTrail } from '../modules/audit/module.js';
import { auditStaffRoutes } from '../modules/audit/staff-routes.js';
import { startRepeating } from '../modules/audit/timer.js';
import { createBeneficiaryModule } from '../modules/beneficiaries/module.js';
import { createCertificateModule } from '../modules/certificates/module.js';
import { createCitizenAuthModule } from '../modules/citizen-auth/module.js';
import { createEventBus } from '../modules/events/module.js';
import { createFacilitiesModule } from '../modules/facilities/module.js';
import { facilityStaffRoutes } from '../modules/facilities/staff-routes.js';
import { createKillSwitchModule } from '../modules/kill-switch/module.js';
import { createMasterDataModule } from '../modules/masterdata/module.js';
import { smsConsumer } from '../modules/notifications/sms.js';
import { createClientAccess, createPartnersModule } from '../modules/partners/module.js';
import { createReportsModule } from '../modules/reports/module.js';
import { createStaffModule } from '../modules/staff/module.js';
import { createVaccinationModule } from '../modules/vaccinations/module.js';
import { projectRoot } from '../paths.js';
import { type Clock, systemClock } from '../platform/clock.js';
import { createLimits, type Limits } from '../platform/limits.js';
import { createMetrics } from '../platform/metrics.js';
import type { Platform } from '../platform/platform.js';
import { createSms } from '../platform/sms.js';
import { addressList } from './address-list.js';
import { edgeServerOptions, registerEdge } from './edge/index.js';
import { NotFound, Unavailable } from './errors.js';
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
/** Ten digits in a row could be a mobile or ID number: such an id is never logged or kept. */
const HOLDS_A_NUMBER = /\d{10}/;
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
    ...edgeServerOptions(config, https),
    ...(logger ? { loggerInstance: logger } : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy ?? false,
    // A caller's own request id is kept when it is well-formed, so that traces join up.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) && !HOLDS_A_NUMBER.test(given)
        ? given
        : randomUUID();
    },
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  const metrics = createMetrics();
  const limits: Limits = createLimits({
    redisUrl: config.redisUrl,
    namespace: config.redisPrefix,
    onRefused: (rule) => metrics.rateLimited.inc({ limit: rule }),
    onSharedChange(shared) {
      metrics.rateLimitFallback.set(shared ? 0 : 1);
      if (shared) {
        app.log.warn({ rateLimits: 'shared' }, 'Redis answers again: rate limits are shared again');
      } else {
        app.log.warn(
          { rateLimits: 'per-node' },
          'Redis is not reachable: rate limits are per node until it is back',
        );
      }
    },
  });
  await limits.ready();
  app.addHook('onClose', () => limits.close());
  const keys: KeyRing = await loadKeyRing(config);
  const events = createEventBus({
    db: database.db,
    keys,
    clock,
    config,
    log: app.log,
    metrics: metrics.events,
  });
  const sms = createSms(config, app.log);
  events.register(smsConsumer({ sms, clock, metrics }));
  const platform: Platform = { db: database.db, limits, clock, config, keys, metrics, events };

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandling(app);
  await registerEdge(app, platform);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  const auditTrail = createAuditTrail(platform);
  const auditService = createAuditModule().service;
  recordRefusals(app, database.db, auditService);
  if (config.auditCheckpointSeconds > 0) {
    const checkpoints = startRepeating(
      () => auditTrail.checkpointNow(),
      config.auditCheckpointSeconds * 1000,
      (error) => app.log.error({ err: error }, 'audit checkpoint failed'),
    );
    app.addHook('onClose', () => checkpoints.stop());
  }

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Teeka API',
        version: '0.1.0',
        description:
          'Public and citizen endpoints follow CoWIN API v2 paths and shapes; staff, partner and admin endpoints are under /api/v1.',
      },
      components: {
        securitySchemes: {
          citizenToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'From POST /api/v2/auth/public/confirmOTP',
          },
          staffSession: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A staff bearer token, or the staff session cookie with x-csrf-token (POST /api/v1/staff/auth/login)',
          },
          appKey: {
            type: 'apiKey',
            in: 'header',
            name: 'x-api-key',
            description:
              'A registered app’s API key (CoWIN v2 protected API), from a partner manager',
          },
          partnerToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'A 5-minute partner access token from POST /api/v1/partners/token',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.get('/docs/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  // Operational detail is for the operators' network only (TEEKA_METRICS_ALLOW).
  const metricsReaders = addressList(config.metricsAllow);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!metricsReaders.check(request.ip)) throw new NotFound('There is nothing at this path.');
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

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

  const staff = createStaffModule(platform);
  const killSwitch = createKillSwitchModule({
    ...platform,
    postgres: database.engine === 'postgres',
    log: app.log,
  });
  // Registered apps' x-api-key and the client rules it shares with partner tokens: the
  // citizen guard asks it when a call carries a key.
  const clientAccess = createClientAccess({ ...platform, killSwitch });
  const citizenAuth = createCitizenAuthModule({ ...platform, sms, apps: clientAccess.apps });
  // A route guarded by a login checks it first, before its body is parsed or validated, so
  // that an anonymous caller learns nothing about the route and costs little; and it says
  // so in the OpenAPI document. A route may need two (an app's key and a citizen token).
  const guards = new Map<unknown, string>([
    [citizenAuth.guard.preHandler, 'citizenToken'],
    [staff.authenticate, 'staffSession'],
    ...clientAccess.apps.preHandlers.map((handler) => [handler, 'appKey'] as const),
  ]);
  app.addHook('onRoute', (route) => {
    const handlers = [route.preHandler].flat().filter((h) => h !== undefined);
    const found = handlers.filter((handler) => guards.has(handler));
    if (found.length === 0) return;
    route.schema = {
      ...route.schema,
      security: [Object.fromEntries(found.map((guard) => [guards.get(guard) ?? '', []]))],
    };
    route.preHandler = handlers.filter((handler) => !guards.has(handler));
    route.onRequest = [...[route.onRequest].flat().filter((h) => h !== undefined), ...found];
  });
  // Before any route: the kill switch classifies each one and checks it ahead of its guard.
  killSwitch.install(app, { staff: staff.authenticate, citizen: citizenAuth.guard.preHandler });
  app.decorate('killSwitch', killSwitch);

  await app.register(createMasterDataModule(platform).routes);
  const facilities = createFacilitiesModule({
    ...platform,
    appKey: clientAccess.apps.require('availability:read'),
  });
  await app.register(facilities.routes);
  await app.register(createReportsModule(platform).routes);
  app.decorate('facilities', facilities);
  await app.register(staff.routes);
  await app.register(auditTrail.routes);
  await app.register(citizenAuth.routes);
  const beneficiaries = createBeneficiaryModule({
    ...platform,
    citizenAuth,
    appointments: createAppointmentListing(),
  });
  await app.register(beneficiaries.routes);
  await app.register(
    createAppointmentModule({
      ...platform,
      facilities,
      guard: citizenAuth.guard,
      beneficiaries: beneficiaries.service,
    }).routes,
  );
  const certificates = createCertificateModule(platform);
  events.register(certificates.pdfs.consumer);
  await app.register(certificates.routes);
  const vaccinations = createVaccinationModule({
    ...platform,
    staff,
    citizenAuth,
    facilities,
    beneficiaries: beneficiaries.service,
    certificates: certificates.service,
  });
  await vaccinations.backfillAgeBands();
  await app.register(vaccinations.routes);
  await app.register(vaccinations.correctionRoutes);
  await app.register(
    certificates.downloadRoutes({
      beneficiaries: beneficiaries.service,
      guard: citizenAuth.guard,
      appKey: clientAccess.apps.require('citizen:self-service'),
    }),
  );
  await app.register(
    auditStaffRoutes({
      db: database.db,
      trail: auditTrail,
      audit: auditService,
      access: staff.access,
      authenticate: staff.authenticate,
      requireStepUp: staff.requireStepUp,
    }),
  );
  await app.register(
    accessLogRoutes({
      db: database.db,
      audit: auditService,
      beneficiaries: beneficiaries.service,
      guard: citizenAuth.guard,
    }),
  );
  await app.register(
    facilityStaffRoutes({
      db: database.db,
      service: facilities.service,
      cache: facilities.cache,
      access: staff.access,
      authenticate: staff.authenticate,
    }),
  );

  const partners = createPartnersModule({
    ...platform,
    log: app.log,
    staff,
    citizenGuard: citizenAuth.guard,
    beneficiaries: beneficiaries.service,
    certificates: {
      getCertificateForBeneficiary: (tx, reference) =>
        certificates.service.getCertificateForBeneficiary(tx, reference),
      verifyAny: certificates.verifyAny,
    },
    search: facilities.search,
    access: clientAccess,
  });
  for (const handler of partners.preHandlers) guards.set(handler, 'partnerToken');
  for (const routes of partners.routes) await app.register(routes);
  await app.register(
    killSwitch.routes({
      access: staff.access,
      authenticate: staff.authenticate,
      requireStepUp: staff.requireStepUp,
    }),
  );
  await app.register(
    certificates.keyRoutes({
      access: staff.access,
      authenticate: staff.authenticate,
      requireStepUp: staff.requireStepUp,
    }),
  );

  await app.register(fastifyStatic, { root: webRoot, wildcard: false });

  // Last: every module has registered its consumers by now.
  await events.start();
  app.addHook('onClose', () => events.stop());

  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
