import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type TestApp, testApp } from '../../../test/helpers/app.js';
import { givenFacilities } from '../../../test/helpers/facilities.js';
import { projectRoot } from '../../paths.js';
import { manualClock } from '../../platform/clock.js';
import { indiaDate } from './dates.js';
import {
  calendarByCentreResponse,
  calendarResponse,
  nearbyResponse,
  sessionsResponse,
} from './schemas.js';

type Json = Record<string, unknown>;
/** Captured CoWIN answers (data/samples, sources in data/SOURCES.md). */
const sample = (name: string) =>
  JSON.parse(readFileSync(`${projectRoot}/data/samples/${name}`, 'utf8')) as Json;
const PIN_2022 = sample('findByPin_response_pincode_400055_2022-03-30.json') as {
  sessions: Json[];
};
const CAL_PIN = sample('calendarByPin_response_pincode_400080_2021-09-24.json') as {
  centers: (Json & { sessions: Json[] })[];
};
const CAL_DISTRICT = sample('calendarByDistrict_response_district_274_bellary_2021-05-26.json') as {
  centers: (Json & { sessions: Json[] })[];
};
const BY_DISTRICT = sample('findByDistrict_response_district_97_patna_2021-06-05.json') as {
  sessions: Json[];
};
const LAT_LONG = sample('findByLatLong_response_mumbai_2021-09.json') as {
  centers: Json[];
  ttl: number;
};

/** Field name -> JSON type, for comparing our answers with CoWIN's field by field. */
const typesOf = (o: Json) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? 'array' : typeof v]));

const clock = manualClock(new Date('2026-11-23T04:30:00Z')); // 10:00 in India
const today = indiaDate(clock.now());
const cowin = (iso: string) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
const day = (n: number) => indiaDate(clock.now(), n);

let t: TestApp;
const ids = {} as {
  paid: number;
  free: number;
  other: number;
  inactive: number;
  mumbai: number;
  paidAdult: string;
  paidYouth: string;
  freeToday: string;
};

beforeAll(async () => {
  t = await testApp({ TEEKA_SEARCH_RATE_LIMIT: '100000' }, { clock });
  const given = givenFacilities(t.database.db, t.app.facilities.service);
  ids.paid = await given.centre({
    name: 'Apex Hospitals',
    pincode: 560041,
    fee_type: 'Paid',
    vaccine_fees: [
      { vaccine: 'COVISHIELD', fee: 780 },
      { vaccine: 'COVAXIN', fee: 1410 },
    ],
    lat: 12.9301,
    long: 77.5952,
  });
  ids.free = await given.centre({ name: 'Jayanagar UPHC', pincode: 560041 });
  ids.other = await given.centre({
    name: 'Anekal Taluk Hospital',
    district_id: 265,
    pincode: 562106,
    lat: 12.7105,
    long: 77.6953,
  });
  ids.inactive = await given.centre({ name: 'Closed Clinic', pincode: 560041 });
  ids.mumbai = await given.centre({
    name: 'BKC Jumbo Centre',
    district_id: 395,
    pincode: 400051,
    lat: 19.0633,
    long: 72.8652,
  });
  ids.paidAdult = await given.session(ids.paid, today, { min_age_limit: 45 });
  ids.paidYouth = await given.session(ids.paid, today, {
    vaccine: 'COVAXIN',
    min_age_limit: 18,
    max_age_limit: 44,
  });
  ids.freeToday = await given.session(ids.free, today, {
    vaccine: 'COVAXIN',
    min_age_limit: 15,
    capacity_precaution: 0,
  });
  for (let n = 1; n <= 7; n++) await given.session(ids.free, day(n), { vaccine: 'COVAXIN' });
  await given.session(ids.other, today, {
    vaccine: 'CORBEVAX',
    min_age_limit: 12,
    max_age_limit: 14,
  });
  await given.session(ids.inactive, today);
  await t.database.db
    .transaction()
    .execute((tx) =>
      t.app.facilities.service.updateCentre(
        tx,
        ids.inactive,
        { active: false },
        { type: 'system' },
      ),
    );
});
afterAll(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });
const S = '/api/v2/appointment/sessions/public';

describe('findByPin and findByDistrict (CoWIN v2 flat sessions)', () => {
  it("answer with CoWIN's field names, order and types", async () => {
    const response = await get(`${S}/findByPin?pincode=560041&date=${cowin(today)}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = sessionsResponse.parse(response.json());
    expect(body.sessions.map((s) => s.session_id).sort()).toEqual(
      [ids.paidAdult, ids.paidYouth, ids.freeToday].sort(),
    );
    const sessions = response.json<{ sessions: Json[] }>().sessions;
    const youth = sessions.find((s) => s.session_id === ids.paidYouth) ?? {};
    const adult = sessions.find((s) => s.session_id === ids.paidAdult) ?? {};
    const cowinYouth = PIN_2022.sessions[1] ?? {}; // CORBEVAX 12-44: has max_age_limit
    const cowinAll = PIN_2022.sessions[0] ?? {}; // COVAXIN 15+: none
    expect(Object.keys(youth)).toEqual(Object.keys(cowinYouth));
    expect(typesOf(youth)).toEqual(typesOf(cowinYouth));
    expect(Object.keys(adult)).toEqual(Object.keys(cowinAll));
    expect(typesOf(adult)).toEqual(typesOf(cowinAll));
    // The 2021 answers carried a subset of the same fields.
    for (const key of Object.keys(BY_DISTRICT.sessions[0] ?? {})) expect(adult).toHaveProperty(key);
    expect(youth).toMatchObject({
      center_id: ids.paid,
      name: 'Apex Hospitals',
      state_name: 'Karnataka',
      district_name: 'BBMP',
      pincode: 560041,
      lat: 12,
      long: 77,
      from: '09:00:00',
      to: '17:00:00',
      fee_type: 'Paid',
      fee: '1410',
      date: cowin(today),
      available_capacity: 90,
      available_capacity_dose1: 50,
      available_capacity_dose2: 30,
      min_age_limit: 18,
      max_age_limit: 44,
      allow_all_age: false,
      vaccine: 'COVAXIN',
      slots: ['09:00AM-11:00AM', '11:00AM-01:00PM', '01:00PM-03:00PM', '03:00PM-05:00PM'],
    });
    expect(adult).toMatchObject({ fee: '780', allow_all_age: false, min_age_limit: 45 });
    const free = sessions.find((s) => s.session_id === ids.freeToday);
    expect(free).toMatchObject({ fee: '0', fee_type: 'Free', allow_all_age: true });
  });

  it('finds one day only, filters by vaccine, and leaves out inactive centres', async () => {
    const tomorrow = (await get(`${S}/findByPin?pincode=560041&date=${cowin(day(1))}`)).json<{
      sessions: Json[];
    }>();
    expect(tomorrow.sessions).toHaveLength(1);
    expect(tomorrow.sessions[0]).toMatchObject({ center_id: ids.free, date: cowin(day(1)) });
    const covaxin = (
      await get(`${S}/findByPin?pincode=560041&date=${cowin(today)}&vaccine=covaxin`)
    ).json<{ sessions: Json[] }>();
    expect(covaxin.sessions.map((s) => s.session_id).sort()).toEqual(
      [ids.paidYouth, ids.freeToday].sort(),
    );
    const district = (await get(`${S}/findByDistrict?district_id=265&date=${cowin(today)}`)).json<{
      sessions: Json[];
    }>();
    expect(district.sessions.map((s) => s.vaccine)).toEqual(['CORBEVAX']);
    const all = (await get(`${S}/findByDistrict?district_id=294&date=${cowin(today)}`)).json<{
      sessions: Json[];
    }>();
    expect(all.sessions.map((s) => s.center_id)).not.toContain(ids.inactive);
  });

  it('answers unknown PIN codes and districts with no sessions, as CoWIN did', async () => {
    for (const url of [
      `${S}/findByPin?pincode=999999&date=${cowin(today)}`,
      `${S}/findByDistrict?district_id=999999&date=${cowin(today)}`,
      `${S}/findByPin?pincode=560041&date=${cowin(today)}&vaccine=NOSUCHVACCINE`,
    ]) {
      const response = await get(url);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ sessions: [] });
    }
  });
});

describe('calendarByPin, calendarByDistrict and calendarByCenter', () => {
  it("answers 7 days from the date with CoWIN's centre and session shapes", async () => {
    const response = await get(`${S}/calendarByPin?pincode=560041&date=${cowin(today)}`);
    expect(response.statusCode).toBe(200);
    const body = calendarResponse.parse(response.json());
    const centers = response.json<{ centers: (Json & { sessions: Json[] })[] }>().centers;
    expect(body.centers.map((c) => c.center_id)).toEqual([ids.paid, ids.free]); // by name
    const paid = centers[0] ?? { sessions: [] };
    const free = centers[1] ?? { sessions: [] };
    const cowinPaid = CAL_PIN.centers[2] ?? { sessions: [] };
    expect(Object.keys(paid)).toEqual(Object.keys(cowinPaid));
    expect(typesOf(paid)).toEqual(typesOf(cowinPaid));
    expect(paid.vaccine_fees).toEqual([
      { vaccine: 'COVISHIELD', fee: '780' },
      { vaccine: 'COVAXIN', fee: '1410' },
    ]);
    const cowinFree = CAL_DISTRICT.centers[0] ?? { sessions: [] };
    expect(Object.keys(free)).toEqual(Object.keys(cowinFree)); // no vaccine_fees when free
    expect(typesOf(free)).toEqual(typesOf(cowinFree));
    const youth = paid.sessions.find((s) => s.session_id === ids.paidYouth) ?? {};
    expect(Object.keys(youth)).toEqual(Object.keys(cowinPaid.sessions[1] ?? {}));
    expect(typesOf(youth)).toEqual(typesOf(cowinPaid.sessions[1] ?? {}));
    const adult = paid.sessions.find((s) => s.session_id === ids.paidAdult) ?? {};
    expect(Object.keys(adult)).toEqual(Object.keys(cowinPaid.sessions[0] ?? {}));
    // The free centre's 8 sessions: today and six more days; the eighth day is outside.
    expect(free.sessions.map((s) => s.date)).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((n) => cowin(day(n))),
    );
  });

  it('starts the window at the asked date and filters by vaccine', async () => {
    const later = (
      await get(`${S}/calendarByDistrict?district_id=294&date=${cowin(day(1))}`)
    ).json<{ centers: { center_id: number; sessions: { date: string }[] }[] }>();
    expect(later.centers.map((c) => c.center_id)).toEqual([ids.free]);
    expect(later.centers[0]?.sessions.map((s) => s.date)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => cowin(day(n))),
    );
    const covishield = (
      await get(`${S}/calendarByDistrict?district_id=294&date=${cowin(today)}&vaccine=COVISHIELD`)
    ).json<{ centers: { center_id: number; sessions: { vaccine: string }[] }[] }>();
    expect(covishield.centers.map((c) => c.center_id)).toEqual([ids.paid]);
    expect(covishield.centers[0]?.sessions.map((s) => s.vaccine)).toEqual(['COVISHIELD']);
  });

  it('calendarByCenter answers one centre object, or {} as CoWIN did', async () => {
    const response = await get(`${S}/calendarByCenter?center_id=${ids.paid}&date=${cowin(today)}`);
    const body = calendarByCentreResponse.parse(response.json());
    expect(body.centers?.center_id).toBe(ids.paid);
    expect(body.centers?.sessions).toHaveLength(2);
    for (const url of [
      `${S}/calendarByCenter?center_id=999999&date=${cowin(today)}`,
      `${S}/calendarByCenter?center_id=${ids.inactive}&date=${cowin(today)}`,
      `${S}/calendarByCenter?center_id=${ids.paid}&date=${cowin(day(30))}`,
    ]) {
      const empty = await get(url);
      expect(empty.statusCode).toBe(200);
      expect(empty.json()).toEqual({});
    }
    expect(
      (await get(`${S}/calendarByDistrict?district_id=1&date=${cowin(today)}`)).json(),
    ).toEqual({
      centers: [],
    });
  });
});

describe('findByLatLong', () => {
  it("lists the nearest active centres first, in CoWIN's shape, with their distance", async () => {
    const response = await get(
      '/api/v2/appointment/centers/public/findByLatLong?lat=12.9259&long=77.5936',
    );
    expect(response.statusCode).toBe(200);
    const body = nearbyResponse.parse(response.json());
    expect(body.ttl).toBe(LAT_LONG.ttl);
    expect(body.centers.map((c) => c.center_id)).toEqual([ids.free, ids.paid, ids.other]);
    const first = response.json<{ centers: Json[] }>().centers[0] ?? {};
    const { distance, ...cowinFields } = first;
    expect(Object.keys(cowinFields)).toEqual(Object.keys(LAT_LONG.centers[0] ?? {}));
    expect(typesOf(cowinFields)).toEqual(typesOf(LAT_LONG.centers[0] ?? {}));
    expect(first).toMatchObject({ lat: '12.92590000', long: '77.59360000', pincode: '560041' });
    // Measured from the point rounded to 0.001 degrees (about 100 m), the cache's key.
    expect(distance).toBeLessThan(0.1);
    expect(body.centers[1]?.distance).toBeCloseTo(0.5, 1);
    expect(body.centers[2]?.distance).toBeGreaterThan(20);
    const mumbai = (
      await get('/api/v2/appointment/centers/public/findByLatLong?lat=19.06&long=72.86')
    ).json<{ centers: { center_id: number }[] }>();
    expect(mumbai.centers.map((c) => c.center_id)).toEqual([ids.mumbai]);
    const sea = await get('/api/v2/appointment/centers/public/findByLatLong?lat=0&long=0');
    expect(sea.json()).toEqual({ centers: [], ttl: 24 });
  });
});

describe('bad input', () => {
  it('refuses impossible dates, wrong formats, negative and huge numbers with 400', async () => {
    const bad = [
      `${S}/findByPin?pincode=560041&date=31-02-2026`,
      `${S}/findByPin?pincode=560041&date=29-02-2027`,
      `${S}/findByPin?pincode=560041&date=2026-11-23`,
      `${S}/findByPin?pincode=560041&date=23/11/2026`,
      `${S}/findByPin?pincode=560041&date=23-11-1999`,
      `${S}/findByPin?pincode=560041&date=00-11-2026`,
      `${S}/findByPin?pincode=560041`,
      `${S}/findByPin?pincode=-560041&date=${cowin(today)}`,
      `${S}/findByPin?pincode=56004&date=${cowin(today)}`,
      `${S}/findByPin?pincode=99999999999999999999&date=${cowin(today)}`,
      `${S}/findByPin?pincode=560041&date=${cowin(today)}&extra=1`,
      `${S}/findByPin?pincode=560041&pincode=560034&date=${cowin(today)}`,
      `${S}/findByPin?pincode=560041&date=${cowin(today)}&vaccine=${'X'.repeat(100)}`,
      `${S}/findByDistrict?district_id=-1&date=${cowin(today)}`,
      `${S}/findByDistrict?district_id=0&date=${cowin(today)}`,
      `${S}/findByDistrict?district_id=1e3&date=${cowin(today)}`,
      `${S}/calendarByDistrict?district_id=99999999999999999&date=${cowin(today)}`,
      `${S}/calendarByCenter?center_id=1.5&date=${cowin(today)}`,
      `${S}/calendarByCenter?center_id=abc&date=${cowin(today)}`,
      '/api/v2/appointment/centers/public/findByLatLong?lat=91&long=77',
      '/api/v2/appointment/centers/public/findByLatLong?lat=12&long=-181',
      '/api/v2/appointment/centers/public/findByLatLong?lat=abc&long=77',
      '/api/v2/appointment/centers/public/findByLatLong?lat=12',
      `/api/v2/appointment/centers/public/findByLatLong?lat=1${'0'.repeat(400)}&long=77`,
    ];
    for (const url of bad) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ code: 'invalid' });
    }
  });
});

describe('caching', () => {
  const url = () => `${S}/calendarByCenter?center_id=${ids.free}&date=${cowin(today)}`;
  const dose1 = async (headers: Record<string, string> = {}) => {
    const response = await get(url(), headers);
    const body = response.json<{
      centers?: { sessions: { session_id: string; available_capacity_dose1: number }[] };
    }>();
    return {
      response,
      seats: body.centers?.sessions.find((s) => s.session_id === ids.freeToday)
        ?.available_capacity_dose1,
    };
  };
  const takeSeat = () =>
    t.database.db
      .transaction()
      .execute((tx) => t.app.facilities.service.takeSeat(tx, ids.freeToday, 'dose1'));

  it('serves a cached answer with ETag and Cache-Control, and 304 on If-None-Match', async () => {
    const first = await dose1();
    expect(first.response.headers['cache-control']).toBe('public, max-age=30');
    const etag = String(first.response.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    clock.advance(10_000);
    const again = await dose1();
    expect(again.response.headers.etag).toBe(etag);
    expect(again.response.headers['cache-control']).toBe('public, max-age=20');
    const notModified = await get(url(), { 'if-none-match': `W/"other", ${etag}` });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers.etag).toBe(etag);
    clock.advance(21_000);
  });

  it('keeps a count for the cache time, and drops it at once when the session is invalidated', async () => {
    const before = await dose1();
    await takeSeat();
    const cached = await dose1();
    expect(cached.seats).toBe(before.seats); // within 30 s, the cached count
    t.app.facilities.cache.invalidateSession(ids.freeToday);
    const fresh = await dose1();
    expect(fresh.seats).toBe((before.seats ?? 0) - 1);
    expect(fresh.response.headers.etag).not.toBe(before.response.headers.etag);
    const old = await get(url(), { 'if-none-match': String(before.response.headers.etag) });
    expect(old.statusCode).toBe(200);

    await takeSeat();
    clock.advance(30_000); // expiry alone also refreshes it
    expect((await dose1()).seats).toBe((before.seats ?? 0) - 2);

    await takeSeat();
    t.app.facilities.cache.invalidateCentre(ids.free);
    expect((await dose1()).seats).toBe((before.seats ?? 0) - 3);
  });

  it('with TEEKA_SEARCH_CACHE_SECONDS=0 answers from the database every time', async () => {
    const uncached = await testApp({ TEEKA_SEARCH_CACHE_SECONDS: '0' });
    try {
      const given = givenFacilities(uncached.database.db, uncached.app.facilities.service);
      const centre = await given.centre();
      const session = await given.session(centre, indiaDate(new Date()));
      const calendar = `${S}/calendarByCenter?center_id=${centre}&date=${cowin(indiaDate(new Date()))}`;
      const first = await uncached.app.inject(calendar);
      expect(first.headers['cache-control']).toBe('no-cache');
      await uncached.database.db
        .transaction()
        .execute((tx) => uncached.app.facilities.service.takeSeat(tx, session, 'dose2'));
      const second = (await uncached.app.inject(calendar)).json<{
        centers: { sessions: { available_capacity_dose2: number }[] };
      }>();
      expect(second.centers.sessions[0]?.available_capacity_dose2).toBe(29);
    } finally {
      await uncached.close();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 problem+json with Retry-After past the per-IP budget, per address', async () => {
    const limited = await testApp({
      TEEKA_SEARCH_RATE_LIMIT: '3',
      TEEKA_SEARCH_RATE_WINDOW_SECONDS: '300',
    });
    try {
      const url = `${S}/findByPin?pincode=560041&date=${cowin(indiaDate(new Date()))}`;
      for (let i = 0; i < 2; i++) {
        expect((await limited.app.inject(url)).statusCode).toBe(200);
      }
      // Bad requests spend the budget too.
      expect((await limited.app.inject(`${S}/findByPin?pincode=x`)).statusCode).toBe(400);
      const refused = await limited.app.inject(url);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ code: 'rate-limited', status: 429 });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(300);
      const other = await limited.app.inject({ url, remoteAddress: '10.1.2.3' });
      expect(other.statusCode).toBe(200);
      // Other APIs are not limited by the search budget.
      expect((await limited.app.inject('/api/v2/admin/location/states')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
