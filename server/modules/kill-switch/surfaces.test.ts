import { afterAll, describe, expect, it } from 'vitest';

import { testApp } from '../../../test/helpers/app.js';
import { fillPath, operations } from '../../../test/security/openapi.js';

/**
 * Every route in the OpenAPI document, with all three surfaces switched off at once: each
 * answers as its class says, so that a new route is classified without being listed here.
 */
const t = await testApp();
afterAll(() => t.close());

const doc = (await t.app.inject('/docs/openapi.json')).json<{
  paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
}>();
const securityOf = (path: string, method: string) =>
  Object.keys(doc.paths[path]?.[method.toLowerCase()]?.security?.[0] ?? {});

function expectedSurface(path: string, method: string): string | null {
  const security = securityOf(path, method);
  if (security.includes('staffSession')) return null;
  if (['/healthz', '/readyz', '/metrics'].includes(path)) return null;
  if (!path.startsWith('/api/') || path.startsWith('/api/v1/staff/')) return null;
  if (security.includes('citizenToken') || path.startsWith('/api/v2/auth/')) return 'citizen';
  if (path.startsWith('/api/v1/partners/')) return 'partners';
  return 'public';
}

describe('kill switch: the surface of every route', async () => {
  const ops = await operations(t.app);
  const system = { type: 'system', id: 'test' } as const;
  for (const target of ['all-partners', 'public', 'citizen'] as const) {
    await t.app.killSwitch.service.change(
      t.database.db,
      { target: { kind: target }, killSwitch: 'on', reason: 'every route drill' },
      system,
    );
  }

  it('covers the routes that matter', () => {
    const paths = ops.map((op) => op.path);
    for (const path of [
      '/api/v2/admin/location/states',
      '/api/v2/auth/public/generateOTP',
      '/api/v2/appointment/beneficiaries',
      '/api/v1/certificates/verify',
      '/api/v1/staff/auth/login',
      '/api/v1/admin/kill-switch',
    ])
      expect(paths).toContain(path);
  });

  it('refuses the HEAD twin of a switched-off GET route too', async () => {
    const head = await t.app.inject({ method: 'HEAD', url: '/api/v2/admin/location/states' });
    expect(head.statusCode).toBe(503);
  });

  it.each(ops.map((op) => [op.method, op.path, op] as const))(
    '%s %s answers as its surface says',
    async (method, path, op) => {
      const response = await t.app.inject({
        method,
        url: fillPath(op),
        ...(op.jsonBody ? { payload: {} } : {}),
      });
      const surface = expectedSurface(path, method);
      if (surface === null) {
        expect(response.statusCode).not.toBe(503);
      } else {
        expect(response.statusCode).toBe(503);
        expect(response.json()).toMatchObject({ code: 'api-switched-off', surface });
      }
    },
  );
});
