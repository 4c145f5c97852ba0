import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AADHAAR, bearer, login } from '../helpers/citizen.js';
import {
  clientBody,
  type PartnerTestApp,
  partnerTestApp,
  partnerToken,
  registerClient,
  registeredPerson,
} from '../helpers/partners.js';
import { encode, type Operation, operations, type SchemaObject } from './openapi.js';

/**
 * CoWIN's 2023 leak: an API that returned a person's data for a mobile or Aadhaar number
 * alone, to a whitelisted caller. This walks every operation in the live OpenAPI document
 * and calls it with a registered, vaccinated person's mobile and Aadhaar number in every
 * string it accepts (path, query, body), as every kind of caller: nobody, a partner token of
 * each scope (no consent given), staff of each role, and another citizen. No answer may
 * contain the person's name, Aadhaar number or mobile number.
 */
const MOBILE = '9845012345';
const AADHAAR_NUMBER = AADHAAR[5] ?? '';
const NAME = 'Kamala Vishwanathan';
const PLANTED = [MOBILE, AADHAAR_NUMBER];

let t: PartnerTestApp;
let ops: Operation[];
const credentials: Record<string, Record<string, string>> = { none: {} };

beforeAll(async () => {
  t = await partnerTestApp({
    TEEKA_IP_RATE_LIMIT: '1000000',
    TEEKA_SEARCH_RATE_LIMIT: '1000000',
    TEEKA_OTP_PER_IP: '100000',
    TEEKA_OTP_PER_MOBILE: '100',
  });
  const { ref } = await registeredPerson(t, MOBILE, NAME, { type: 1, number: AADHAAR_NUMBER });
  await t.issueCertificate(ref, NAME, 'final');

  const admin = await t.staff.nationalAdmin();
  const centre = await t.app.inject({
    method: 'POST',
    url: '/api/v1/facilities/centres',
    headers: admin.headers,
    payload: {
      name: 'Primary Health Centre',
      address: '1 Hospital Road',
      district_id: 294,
      block_name: 'Block',
      pincode: 560041,
      lat: 12.9,
      long: 77.6,
      opens_at: '09:00',
      closes_at: '17:00',
      fee_type: 'Free',
    },
  });
  const centerId = centre.json<{ center_id: number }>().center_id;
  credentials['national-admin'] = admin.headers;
  for (const [role, place] of [
    ['partner-manager', {}],
    ['state-admin', { state_id: 16 }],
    ['district-admin', { district_id: 294 }],
    ['facility-admin', { center_id: centerId }],
    ['verifier', { district_id: 294 }],
    ['vaccinator', { center_id: centerId }],
    ['auditor', {}],
  ] as const) {
    const member = await t.staff.member(admin, `walk.${role}`, [{ role, ...place }]);
    credentials[role] = member.headers;
  }
  const client = await registerClient(t, admin, {
    scopes: clientBody().scopes.concat(['appointment:book-consented', 'reports:aggregate']),
    per_minute: 10_000,
    per_day: 1_000_000,
  });
  for (const scope of [
    'availability:read',
    'certificate:verify',
    'vaccination-status:consented',
    'certificate:consented',
    'appointment:book-consented',
    'reports:aggregate',
  ]) {
    credentials[`partner ${scope}`] = bearer(await partnerToken(t, client, scope));
  }
  credentials['partner every scope'] = bearer(await partnerToken(t, client));
  credentials['another citizen'] = bearer(await login(t.app, t.outbox, '9845099999'));
  ops = await operations(t.app);
}, 120_000);
afterAll(() => t.close());

const typeOf = (schema: SchemaObject | undefined): string | undefined => {
  if (!schema) return undefined;
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  return type ?? typeOf(schema.anyOf?.[0] ?? schema.oneOf?.[0]);
};

/** A body of the operation's shape with `value` in every string field (or in `only`). */
function bodyWith(schema: SchemaObject, value: string, only?: string): Record<string, unknown> {
  const props = { ...schema.properties };
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])])
    Object.assign(props, alt.properties);
  return Object.fromEntries(
    Object.entries(props).map(([name, prop]) => {
      const type = typeOf(prop);
      const planted = only === undefined || only === name;
      if (type === 'string') return [name, planted ? value : 'x'];
      if (type === 'integer' || type === 'number') return [name, planted ? Number(value) : 1];
      if (type === 'boolean') return [name, true];
      if (type === 'array') return [name, [planted ? value : 'x']];
      if (type === 'object') return [name, {}];
      return [name, value];
    }),
  );
}

function requests(op: Operation, value: string) {
  const path = op.pathParams.reduce((url, p) => url.replace(`{${p.name}}`, encode(value)), op.path);
  const query = op.queryParams.map((p) => `${p.name}=${encode(value)}`).join('&');
  const url = query ? `${path}?${query}` : path;
  const bodies = op.jsonBody
    ? [
        bodyWith(op.jsonBody, value),
        ...Object.keys(op.jsonBody.properties ?? {}).map((f) =>
          bodyWith(op.jsonBody as SchemaObject, value, f),
        ),
      ]
    : [undefined];
  // Each query parameter alone too, so that a required one does not hide the others.
  const urls = [url, ...op.queryParams.map((p) => `${path}?${p.name}=${encode(value)}`)];
  return urls.flatMap((u) => bodies.map((body) => ({ url: u, body })));
}

describe('no endpoint returns a person’s data for a mobile or ID number alone', () => {
  it('finds the partner, staff and citizen operations', () => {
    const paths = ops.map((op) => op.path);
    expect(paths).toContain('/api/v1/partners/vaccination-status');
    expect(paths).toContain('/api/v1/partners/consents');
    expect(paths).toContain('/api/v2/appointment/beneficiaries');
  });

  it('would notice: the person’s own login and a consented partner read do show the name', async () => {
    const own = bearer(await login(t.app, t.outbox, MOBILE));
    const list = await t.app.inject({ url: '/api/v2/appointment/beneficiaries', headers: own });
    expect(list.body).toContain(NAME);
  });

  it('walks every operation with every kind of credential', async () => {
    let calls = 0;
    for (const op of ops) {
      for (const [who, headers] of Object.entries(credentials)) {
        for (const value of PLANTED) {
          for (const request of requests(op, value)) {
            const response = await t.app.inject({
              method: op.method,
              url: request.url,
              headers,
              ...(request.body ? { payload: request.body } : {}),
            });
            calls++;
            const where = `${who} ${op.method} ${request.url} ${JSON.stringify(request.body ?? null).slice(0, 120)} -> ${response.statusCode}`;
            expect(response.statusCode, where).toBeLessThan(500);
            expect(response.body, where).not.toContain(NAME);
            expect(response.body, where).not.toContain(AADHAAR_NUMBER);
            expect(response.body, where).not.toContain(MOBILE);
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(1000);
  }, 600_000);
});
