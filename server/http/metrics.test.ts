import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../test/helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

describe('/metrics', () => {
  it('counts requests by route pattern, never by raw path', async () => {
    await t.app.inject('/api/v2/admin/location/districts/16');
    await t.app.inject('/api/v2/admin/location/districts/abc');
    const response = await t.app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(
      /teeka_http_request_duration_seconds_count\{method="GET",route="\/api\/v2\/admin\/location\/districts\/:state_id",status="200"\} 1/,
    );
    expect(response.body).toMatch(
      /route="\/api\/v2\/admin\/location\/districts\/:state_id",status="400"\} 1/,
    );
    expect(response.body).not.toContain('districts/16');
    expect(response.body).toContain('teeka_process_cpu_seconds_total');
  });

  it('is not served to addresses outside TEEKA_METRICS_ALLOW', async () => {
    const response = await t.app.inject({ url: '/metrics', remoteAddress: '203.0.113.7' });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('teeka_');
  });
});
