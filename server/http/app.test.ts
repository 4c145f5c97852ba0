import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { type TestApp, testApp } from '../../test/helpers/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await testApp();
  // A JSON route of the platform's own shape, to exercise body handling before any domain adds one.
  t.app.post(
    '/platform-check',
    { schema: { body: z.strictObject({ name: z.string().max(10) }) } },
    (request) => ({ hello: request.body.name }),
  );
});
afterAll(() => t.close());

const expectProblem = (
  response: {
    statusCode: number;
    headers: Record<string, unknown>;
    json: () => unknown;
    body: string;
  },
  status: number,
  code: string,
) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:teeka:problem:${code}` });
  expect(typeof body.requestId).toBe('string');
  expect(body.requestId).toBe(response.headers['x-request-id']);
  expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
};

describe('HTTP platform', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready' });
  });

  it('gives every response a request id and keeps a well-formed one from the caller', async () => {
    const own = await t.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'trace-12345678' },
    });
    expect(own.headers['x-request-id']).toBe('trace-12345678');
    const hostile = await t.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': '<script>alert(1)</script>' },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // A mobile number as the id would reach every log line, span and audit record.
    const before = t.logs.length;
    const numbered = await t.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'm-9876543210' },
    });
    expect(numbered.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.logs.slice(before).join('')).not.toContain('9876543210');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    expectProblem(await t.app.inject('/no/such/thing'), 404, 'not-found');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const response = await t.app.inject({ method: 'PUT', url: '/api/v2/admin/location/states' });
    expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.allow).toContain('GET');
    expectProblem(
      await t.app.inject({ method: 'GET', url: '/platform-check' }),
      405,
      'method-not-allowed',
    );
  });

  it('answers malformed JSON with 400', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/platform-check',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expectProblem(response, 400, 'malformed-json');
  });

  it('answers a wrong content type with 415', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/platform-check',
      headers: { 'content-type': 'application/xml' },
      payload: '<name>x</name>',
    });
    expectProblem(response, 415, 'unsupported-media-type');
  });

  it('answers a body over the limit with 413', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/platform-check',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(20_000) }),
    });
    expectProblem(response, 413, 'body-too-large');
  });

  it('answers a body that breaks the schema with 400 and names the field', async () => {
    const unknownField = await t.app.inject({
      method: 'POST',
      url: '/platform-check',
      payload: { name: 'a', admin: true },
    });
    expectProblem(unknownField, 400, 'invalid');
    const tooLong = await t.app.inject({
      method: 'POST',
      url: '/platform-check',
      payload: { name: 'abcdefghijkl' },
    });
    expectProblem(tooLong, 400, 'invalid');
    expect(JSON.stringify(tooLong.json())).toContain('body.name');
    expect(
      (
        await t.app.inject({ method: 'POST', url: '/platform-check', payload: { name: 'ok' } })
      ).json(),
    ).toEqual({ hello: 'ok' });
  });

  it('publishes the OpenAPI document and a browsable page', async () => {
    const doc = (await t.app.inject('/docs/openapi.json')).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api/v2/admin/location/districts/{state_id}');
    const page = await t.app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
  });

  it('serves the web page at /', async () => {
    const response = await t.app.inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Teeka</title>');
    // A page the web app routes in the browser gets the same document; an unknown API path does not.
    const page = await t.app.inject({ url: '/verify', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<div id="root">');
    const api = await t.app.inject({ url: '/api/v2/nothing', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
  });

  it('never logs secrets from request headers', async () => {
    await t.app.inject({
      url: '/healthz',
      headers: {
        authorization: 'Bearer super-secret-token-value',
        cookie: 'sid=secret-cookie-value',
      },
    });
    const all = t.logs.join('');
    expect(all).not.toContain('super-secret-token-value');
    expect(all).not.toContain('secret-cookie-value');
  });

  it('never logs a number a caller put in the path or the query string', async () => {
    const before = t.logs.length;
    const inPath = await t.app.inject({ url: '/api/v2/nothing/9876543210/234567890123' });
    expect(inPath.statusCode).toBe(404);
    const inQuery = await t.app.inject({
      url: '/api/v2/appointment/sessions/public/findByPin?pincode=560001&date=01-01-2027&mobile=9876543211',
    });
    expect(inQuery.statusCode).toBe(400);
    const logged = t.logs.slice(before).join('');
    expect(logged).toContain('/api/v2/nothing/XXXXXX3210/XXXXXXXX0123');
    expect(logged).toContain('/findByPin?[query not logged]');
    for (const number of ['9876543210', '234567890123', '9876543211', '560001']) {
      expect(logged).not.toContain(number);
    }
  });
});
