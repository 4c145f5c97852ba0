import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../test/helpers/app.js';
import { cowinErrorCode } from './problem.js';

let t: TestApp;

beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  json: () => unknown;
}

/** A CoWIN v2 client reads errorCode and error; problem+json stays whole beside them. */
const expectCowinProblem = (response: Answer, status: number, code: string) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:teeka:problem:${code}` });
  expect(body.errorCode).toBe(cowinErrorCode(code));
  expect(typeof body.error).toBe('string');
  expect(body.error).toBe(body.detail);
  expect((body.error as string).length).toBeGreaterThan(0);
};

describe('CoWIN v2 error members', () => {
  it('derives the upper-case code from the stable one', () => {
    expect(cowinErrorCode('otp-wrong')).toBe('OTP_WRONG');
    expect(cowinErrorCode('invalid')).toBe('INVALID');
    expect(cowinErrorCode('method-not-allowed')).toBe('METHOD_NOT_ALLOWED');
  });

  it('an unknown /api/v2 path answers 404 with errorCode and error', async () => {
    expectCowinProblem(await t.app.inject('/api/v2/no/such/thing'), 404, 'not-found');
  });

  it('a schema refusal on /api/v2 keeps its field list and gains the CoWIN pair', async () => {
    const response = await t.app.inject('/api/v2/admin/location/districts/abc');
    expectCowinProblem(response, 400, 'invalid');
    expect(response.json<{ errors: unknown[] }>().errors.length).toBeGreaterThan(0);
  });

  it('a body that is not JSON on /api/v2', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v2/auth/public/generateOTP',
      headers: { 'content-type': 'application/json' },
      payload: '{"mobile":',
    });
    expectCowinProblem(response, 400, 'malformed-json');
  });

  it('a refused login and a missing token on /api/v2 are 401 with the CoWIN pair', async () => {
    expectCowinProblem(
      await t.app.inject({
        method: 'POST',
        url: '/api/v2/auth/public/confirmOTP',
        payload: {
          txnId: '00000000-0000-4000-8000-000000000000',
          otp: 'a'.repeat(64),
        },
      }),
      401,
      'otp-invalid',
    );
    expectCowinProblem(
      await t.app.inject('/api/v2/appointment/beneficiaries'),
      401,
      'token-missing',
    );
  });

  it('a wrong method on a /api/v2 path is 405 with the CoWIN pair', async () => {
    const response = await t.app.inject({
      method: 'DELETE',
      url: '/api/v2/admin/location/states',
    });
    expectCowinProblem(response, 405, 'method-not-allowed');
    expect(response.headers.allow).toMatch(/GET/);
  });

  it('a query string on the path does not hide that it is /api/v2', async () => {
    expectCowinProblem(
      await t.app.inject('/api/v2/appointment/sessions/public/findByPin?pincode=012345'),
      400,
      'invalid',
    );
  });

  it('errors outside /api/v2 stay without the CoWIN pair', async () => {
    for (const url of ['/api/v1/no/such/thing', '/api/v2x/thing', '/no/such/thing']) {
      const body = (await t.app.inject(url)).json<Record<string, unknown>>();
      expect(body.code).toBe('not-found');
      expect(body).not.toHaveProperty('errorCode');
      expect(body).not.toHaveProperty('error');
    }
  });
});
