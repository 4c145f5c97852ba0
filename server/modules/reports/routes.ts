import type { FastifyReply } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Clock } from '../../platform/clock.js';
import type { Limiter } from '../../platform/limits.js';
import type { CachedAnswer, SearchCache } from '../facilities/cache.js';
import { reportCsv } from './csv.js';
import type { DoseReport, ReportService } from './service.js';

export const REPORTS = '/api/v1/reports/public';

const cell = <K extends z.ZodType>(key: K) =>
  z.object({ key, label: z.string(), doses: z.number().int().nullable(), suppressed: z.boolean() });
export const doseReportResponse = z.object({
  generated_at: z.string(),
  suppression_threshold: z.number().int(),
  total_doses: z.number().int().nullable(),
  doses_per_day: z.array(cell(z.string())),
  by_state: z.array(cell(z.number().int())),
  by_vaccine: z.array(cell(z.string())),
  by_gender: z.array(cell(z.number().int())),
  by_dose_number: z.array(cell(z.number().int())),
  by_age_group: z.array(cell(z.string())),
});
const query = z.strictObject({ format: z.enum(['json', 'csv']).optional() });

/**
 * Public aggregate reports: no login, per-IP limits, answered from a per-node cache that
 * is at most `cache.ttlSeconds` old (it is not invalidated by new doses: a dashboard may
 * lag by that much, and a burst of readers costs one set of queries per node per TTL).
 */
export function reportRoutes({
  reports,
  cache,
  limiter,
  clock,
}: {
  reports: ReportService;
  cache: SearchCache;
  limiter: Limiter;
  clock: Clock;
}): FastifyPluginCallbackZod {
  const send = (reply: FastifyReply, answer: CachedAnswer, format: 'json' | 'csv') => {
    const maxAge = Math.ceil((answer.expiresAt - clock.now().getTime()) / 1000);
    void reply
      .header('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache')
      .header('vary', 'accept');
    if (format === 'json') return reply.type('application/json; charset=utf-8').send(answer.body);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="teeka-doses.csv"')
      .send(reportCsv(JSON.parse(answer.body) as DoseReport));
  };

  return (app, _options, done) => {
    app.addHook('onRequest', async (request) => {
      await limiter.consumeOrThrow(
        request.ip,
        1,
        'Too many report requests from this address; try again later.',
      );
    });
    app.get(
      `${REPORTS}/doses`,
      {
        schema: {
          tags: ['public reports'],
          summary:
            'Doses given, per day, state, vaccine, gender, dose number and age group; cells under the threshold suppressed. JSON, or CSV with Accept: text/csv or ?format=csv',
          querystring: query,
          response: { 200: doseReportResponse },
        },
      },
      async (request, reply) => {
        const answer = await cache.get('doses', async () => ({
          value: await reports.doses(clock.now()),
          sessionIds: [],
          centreIds: [],
        }));
        const format =
          request.query.format ?? (request.headers.accept?.includes('text/csv') ? 'csv' : 'json');
        return send(reply, answer, format);
      },
    );
    done();
  };
}
