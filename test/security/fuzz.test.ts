import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { testApp } from '../helpers/app.js';
import { addFixtureRoutes } from './fixtures.js';
import { encode, fieldNames, fillPath, operations } from './openapi.js';
import { expectProblem } from './problem.js';

/**
 * Property: for any JSON body, any path parameter and any query string, every operation
 * in the OpenAPI document answers below 500, and a refusal is problem+json.
 */
const t = await testApp({ TEEKA_IP_RATE_LIMIT: '1000000' });
afterAll(() => t.close());
addFixtureRoutes(t.app);
const ops = await operations(t.app);
const withBody = ops.filter((op) => op.jsonBody !== undefined);

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom("' OR 1=1 --", '<script>', '../..', '__proto__', '$ne', '\u0000', '9876543210'),
);
const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), text, fc.integer(), fc.double());

function expectNoServerError(response: Awaited<ReturnType<typeof t.app.inject>>, where: string) {
  expect(response.statusCode, `${where}: ${response.body.slice(0, 200)}`).toBeLessThan(500);
  if (response.statusCode >= 400) expectProblem(response, response.statusCode);
}

describe('fuzzing', () => {
  it('covers every JSON body schema in the document', () => {
    expect(withBody.length).toBeGreaterThan(0);
  });

  it.each(withBody.map((op) => [`${op.method} ${op.path}`, op] as const))(
    'body of %s',
    async (name, op) => {
      const names = fieldNames(op.jsonBody);
      // Objects with the schema's own field names reach past the first check into the validators.
      const shaped = names.length
        ? fc.dictionary(fc.constantFrom(...names), value, { maxKeys: names.length })
        : fc.dictionary(fc.string({ maxLength: 10 }), value);
      await fc.assert(
        fc.asyncProperty(fc.oneof(shaped, value), async (body) => {
          const response = await t.app.inject({
            method: op.method,
            url: fillPath(op),
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          expectNoServerError(response, name);
        }),
        { numRuns: 150 },
      );
    },
    120_000,
  );

  it.each(ops.map((op) => [`${op.method} ${op.path}`, op] as const))(
    'path parameters and query of %s',
    async (name, op) => {
      const names = [...op.queryParams.map((p) => p.name), 'q'];
      await fc.assert(
        fc.asyncProperty(
          fc.array(text, { minLength: op.pathParams.length, maxLength: op.pathParams.length }),
          fc.dictionary(fc.oneof(fc.constantFrom(...names), text), text, { maxKeys: 4 }),
          async (params, query) => {
            const values = Object.fromEntries(
              op.pathParams.map((p, i) => [p.name, params[i] ?? '']),
            );
            const search = Object.entries(query)
              .map(([k, v]) => `${encode(k)}=${encode(v)}`)
              .join('&');
            const response = await t.app.inject({
              method: op.method,
              url: `${fillPath(op, values)}${search ? `?${search}` : ''}`,
            });
            expectNoServerError(response, name);
          },
        ),
        { numRuns: 100 },
      );
    },
    120_000,
  );
});
