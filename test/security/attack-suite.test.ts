import { createHmac, randomBytes } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

import { testApp } from '../helpers/app.js';
import { addFixtureRoutes } from './fixtures.js';
import { encode, fieldNames, fillPath, type Operation, operations } from './openapi.js';
import { expectProblem } from './problem.js';

/**
 * The attack suite: every operation in the OpenAPI document, hostile input of every kind.
 * Whatever the input: never a 5xx, never a stack trace, refusals are problem+json with
 * the right 4xx, and no personal data comes back in an error.
 */
// Rate limits are proven elsewhere; here they would hide what the suite is looking for.
const t = await testApp({
  TEEKA_IP_RATE_LIMIT: '1000000',
  TEEKA_SEARCH_RATE_LIMIT: '1000000',
  TEEKA_OTP_PER_IP: '100000',
  TEEKA_OTP_PER_MOBILE: '100',
});
afterAll(() => t.close());
addFixtureRoutes(t.app);
const ops = await operations(t.app);

// Personal data planted in requests: no error may give it back.
const MOBILE = '9876543210';
const AADHAAR = '234567890123';
const NAME = 'Planted Personname';

const INJECTIONS = [
  "' OR '1'='1",
  '1 UNION SELECT * FROM audit_log--',
  '1; DROP TABLE beneficiaries',
  '<script>alert(document.cookie)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../../etc/passwd',
  '; cat /etc/passwd',
  '$(id)',
  '{"$ne": null}',
  '__proto__',
];
const ODD = [
  'A'.repeat(5000),
  '-1',
  '0',
  '1e309',
  'NaN',
  '0x7fffffff',
  '9'.repeat(40),
  'null',
  '[]',
  ' ',
  '\u202eevil', // right-to-left override
  'a\u200bb', // zero-width space
  'ａｄｍｉｎ', // full-width
  'аdmin', // Cyrillic a
  '😷💉',
  '%00',
  '%c0%af',
  '\u0000',
  '\ud800',
  MOBILE,
  AADHAAR,
  NAME,
];

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${body}.${createHmac('sha256', randomBytes(32)).update(body).digest('base64url')}`;
}
const now = Math.floor(Date.now() / 1000);
const TOKENS: Record<string, Record<string, string>> = {
  missing: {},
  forged: { authorization: `Bearer ${jwt({ sub: 'admin', role: 'admin', exp: now + 3600 })}` },
  expired: { authorization: `Bearer ${jwt({ sub: 'staff-1', exp: now - 3600 })}` },
  'alg none': {
    authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.`,
  },
  garbage: {
    authorization: 'Bearer \u00ff\u00fe not a token',
    cookie: 'session=forged; sid=forged',
  },
  basic: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
};

interface Case {
  label: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
  /** Acceptable statuses; a 2xx is acceptable only where listed. */
  expect: number[];
}

const ANY_REFUSAL = [400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 431];

function cases(op: Operation): Case[] {
  const deny = op.secured ? [401, 403] : [];
  const ok = op.secured ? [] : [200, 201, 202, 204];
  const base = fillPath(op);
  const all: Case[] = [];
  for (const param of op.pathParams) {
    for (const value of [...INJECTIONS, ...ODD]) {
      all.push({
        label: `path ${param.name}=${value.slice(0, 30)}`,
        url: fillPath(op, { [param.name]: value }),
        expect: [...ANY_REFUSAL, ...ok],
      });
    }
  }
  const queryNames = [...op.queryParams.map((p) => p.name), 'unknown_field'];
  for (const name of queryNames) {
    for (const value of INJECTIONS) {
      all.push({
        label: `query ${name} injection ${value.slice(0, 30)}`,
        url: `${base}?${name}=${encode(value)}`,
        expect: [400, 403, 404, 422, ...deny, ...(name === 'unknown_field' ? ok : [])],
      });
    }
    for (const value of ODD) {
      all.push({
        label: `query ${name}=${value.slice(0, 30)}`,
        url: `${base}?${name}=${encode(value)}`,
        expect: [...ANY_REFUSAL, ...ok],
      });
    }
  }
  for (const query of ['__proto__[admin]=1', 'q[$ne]=1', 'constructor.prototype.admin=1']) {
    all.push({ label: `query ${query}`, url: `${base}?${query}`, expect: [400, ...deny] });
  }
  all.push({ label: 'URL over the limit', url: `${base}?q=${'a'.repeat(3000)}`, expect: [414] });

  const hasBody = op.jsonBody !== undefined;
  const json = { 'content-type': 'application/json' };
  // A route without a body refuses one (415), but lets through the empty `{}`-like JSON
  // (at most 2 bytes) that clients send anyway; then the route's own answer counts.
  const bodyDenied = (payload: string) =>
    hasBody ? [400, 422, ...deny] : payload.length <= 2 ? [...ANY_REFUSAL, ...ok] : [415];
  if ((op.method !== 'GET' && op.method !== 'DELETE') || hasBody) {
    for (const [label, payload] of [
      ['array body', '[]'],
      ['string body', '"x"'],
      ['number body', '42'],
      ['null body', 'null'],
      ['unknown field', JSON.stringify({ unknown_field: NAME, mobile: MOBILE })],
    ] as const) {
      all.push({ label, url: base, headers: json, payload, expect: bodyDenied(payload) });
    }
    all.push({
      label: 'malformed JSON',
      url: base,
      headers: json,
      payload: `{"mobile": "${MOBILE}", `,
      expect: hasBody ? [400, ...deny] : [415],
    });
    all.push({
      label: 'oversized body',
      url: base,
      headers: json,
      payload: JSON.stringify({ x: 'a'.repeat(2_000_000) }),
      // A guarded route refuses an anonymous caller before reading the body.
      expect: hasBody ? [413, ...deny] : [415, 413],
    });
    all.push({
      label: 'deep nesting',
      url: base,
      headers: json,
      payload: '['.repeat(3000) + ']'.repeat(3000),
      expect: hasBody ? [400, ...deny] : [415],
    });
    all.push({
      label: 'prototype pollution',
      url: base,
      headers: json,
      payload: `{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}`,
      expect: hasBody ? [400, ...deny] : [415],
    });
    for (const [type, payload] of [
      ['text/plain', 'mobile=9876543210'],
      [
        'application/xml',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
      ],
      ['application/x-www-form-urlencoded', `mobile=${MOBILE}`],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
      ],
    ] as const) {
      all.push({
        label: `content type ${type}`,
        url: base,
        headers: { 'content-type': type },
        payload,
        // A route that takes this type (OAuth's form body) answers with its own refusal.
        expect: op.consumes.includes(type) ? [400, 401, 403, 429] : [415],
      });
    }
    for (const field of fieldNames(op.jsonBody)) {
      for (const value of [...INJECTIONS, ...ODD, 12345, true, null, [], {}]) {
        all.push({
          label: `body ${field}=${JSON.stringify(value).slice(0, 30)}`,
          url: base,
          headers: json,
          payload: JSON.stringify({ [field]: value }),
          // A public endpoint may take an odd value at face value (a well-formed mobile
          // number; any text offered to the certificate verifier, which answers "invalid").
          expect: [...ANY_REFUSAL, ...ok],
        });
      }
    }
  }
  for (const [label, headers] of Object.entries(TOKENS)) {
    all.push({
      label: `token ${label}`,
      url: base,
      headers,
      expect: op.secured ? [401] : [...ANY_REFUSAL, ...ok],
    });
  }
  return all;
}

describe('attack suite over every operation in the OpenAPI document', () => {
  it('finds the operations', () => {
    expect(ops.length).toBeGreaterThanOrEqual(4);
    expect(ops.map((op) => `${op.method} ${op.path}`)).toContain(
      'GET /api/v2/admin/location/states',
    );
  });

  it.each(ops.map((op) => [`${op.method} ${op.path}`, op] as const))(
    '%s',
    async (_name, op) => {
      for (const c of cases(op)) {
        const response = await t.app.inject({
          method: op.method,
          url: c.url,
          ...(c.headers ? { headers: c.headers } : {}),
          ...(c.payload !== undefined ? { payload: c.payload } : {}),
        });
        const where = `${op.method} ${op.path} / ${c.label}: ${response.statusCode} ${response.body.slice(0, 200)}`;
        expect(response.statusCode, where).toBeLessThan(500);
        expect(c.expect, where).toContain(response.statusCode);
        if (response.statusCode >= 400) {
          expect(response.headers['content-type'], where).toMatch(/^application\/problem\+json/);
          expectProblem(response, response.statusCode);
          for (const secret of [MOBILE, AADHAAR, NAME])
            expect(response.body, where).not.toContain(secret);
        }
      }
    },
    120_000,
  );
});
