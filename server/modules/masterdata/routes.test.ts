import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

describe('locations (CoWIN v2)', () => {
  it('lists the 37 states in the CoWIN order and shape', async () => {
    const response = await t.app.inject('/api/v2/admin/location/states');
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      states: { state_id: number; state_name: string }[];
      ttl: number;
    }>();
    expect(body.ttl).toBe(24);
    expect(body.states).toHaveLength(37);
    expect(body.states[0]).toEqual({ state_id: 1, state_name: 'Andaman and Nicobar Islands' });
    const ids = body.states.map((s) => s.state_id);
    expect(ids.indexOf(37)).toBe(ids.indexOf(8) + 1); // Daman and Diu right after Dadra and Nagar Haveli
    expect(Object.keys(body.states[0] ?? {})).toEqual(['state_id', 'state_name']);
  });

  it("lists a state's districts in the CoWIN order, quirks kept", async () => {
    const response = await t.app.inject('/api/v2/admin/location/districts/16');
    expect(response.statusCode).toBe(200);
    const { districts, ttl } = response.json<{
      districts: { district_id: number; district_name: string }[];
      ttl: number;
    }>();
    expect(ttl).toBe(24);
    const names = districts.map((d) => d.district_name);
    expect(names.indexOf('BBMP')).toBe(names.indexOf('Bangalore Urban') + 1);
    expect(districts.find((d) => d.district_id === 294)?.district_name).toBe('BBMP');
    const maharashtra = (await t.app.inject('/api/v2/admin/location/districts/21')).json<{
      districts: { district_id: number; district_name: string }[];
    }>();
    expect(maharashtra.districts.find((d) => d.district_id === 397)?.district_name).toBe(
      'Aurangabad ',
    );
  });

  it('answers an unknown or malformed state with a clear 4xx', async () => {
    const unknown = await t.app.inject('/api/v2/admin/location/districts/999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'unknown-state' });
    for (const bad of ['abc', '-1', '1.5', '99999999999999999999']) {
      const response = await t.app.inject(`/api/v2/admin/location/districts/${bad}`);
      expect(response.statusCode).toBe(400);
    }
  });
});
