import { expect } from 'vitest';

/** What every refusal must look like: problem+json with the request id, and no internals. */
export function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number | number[],
  code?: string,
) {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses).toContain(response.statusCode);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(response.body) as Record<string, unknown>;
  expect(problem.status).toBe(response.statusCode);
  if (code) expect(problem.code).toBe(code);
  expect(problem.requestId).toBe(response.headers['x-request-id']);
  expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+|node_modules|Error:/);
}
