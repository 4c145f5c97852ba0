import { expect } from 'vitest';

import type { App } from '../../server/http/app.js';

/** The value of one series at /metrics, as scraped over HTTP; 0 when it has not been touched. */
export async function metricSample(app: App, series: string) {
  const response = await app.inject('/metrics');
  expect(response.statusCode).toBe(200);
  const line = response.body.split('\n').find((row) => row.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
