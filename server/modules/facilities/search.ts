import type { Db } from '../../db/index.js';
import type { CachedAnswer, Loaded, SearchCache } from './cache.js';
import type { FacilityStore, SearchBy, SearchRow } from './store.js';

/** CoWIN's calendar endpoints answer for the asked day and the six after it. */
const CALENDAR_DAYS = 7;
/** findByLatLong: at most this many centres, within this distance. */
const NEARBY_LIMIT = 100;
const NEARBY_RADIUS_KM = 50;
/** CoWIN answered findByLatLong with "ttl": 24 (hours a client may keep the centre list). */
const NEARBY_TTL_HOURS = 24;
/** CoWIN: "allow_all_age" marks sessions open to every adult (no upper limit, 18 or younger). */
const ADULT_AGE = 18;

const plusDays = (isoDate: string, days: number) =>
  new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const cowinDate = (isoDate: string) =>
  `${isoDate.slice(8, 10)}-${isoDate.slice(5, 7)}-${isoDate.slice(0, 4)}`;

// CoWIN's public search showed whole degrees only (19, 72): typed clients parse them as integers.
function centreFields(row: SearchRow) {
  return {
    center_id: row.center_id,
    name: row.name,
    address: row.address,
    state_name: row.state_name,
    district_name: row.district_name,
    block_name: row.block_name,
    pincode: row.pincode,
    lat: Math.trunc(row.lat),
    long: Math.trunc(row.long),
    from: row.opens_at,
    to: row.closes_at,
    fee_type: row.fee_type,
  };
}

const availableCapacity = (row: SearchRow) =>
  row.available_dose1 + row.available_dose2 + row.available_precaution;

function ageFields(row: SearchRow) {
  return {
    min_age_limit: row.min_age_limit,
    ...(row.max_age_limit === null ? {} : { max_age_limit: row.max_age_limit }),
    allow_all_age: row.max_age_limit === null && row.min_age_limit <= ADULT_AGE,
  };
}

function feeFor(row: SearchRow): string {
  if (row.fee_type === 'Free') return '0';
  return row.vaccine_fees.find((f) => f.vaccine === row.vaccine)?.fee ?? '0';
}

/** findByPin / findByDistrict: one flat object per session, centre fields first. */
function flatSession(row: SearchRow) {
  const centre = centreFields(row);
  return {
    center_id: centre.center_id,
    name: centre.name,
    address: centre.address,
    state_name: centre.state_name,
    district_name: centre.district_name,
    block_name: centre.block_name,
    pincode: centre.pincode,
    from: centre.from,
    to: centre.to,
    lat: centre.lat,
    long: centre.long,
    fee_type: centre.fee_type,
    session_id: row.session_id,
    date: cowinDate(row.date),
    available_capacity: availableCapacity(row),
    available_capacity_dose1: row.available_dose1,
    available_capacity_dose2: row.available_dose2,
    fee: feeFor(row),
    ...ageFields(row),
    vaccine: row.vaccine,
    slots: row.slots,
  };
}

function calendarSession(row: SearchRow) {
  return {
    session_id: row.session_id,
    date: cowinDate(row.date),
    available_capacity: availableCapacity(row),
    ...ageFields(row),
    vaccine: row.vaccine,
    slots: row.slots,
    available_capacity_dose1: row.available_dose1,
    available_capacity_dose2: row.available_dose2,
  };
}

/** Rows arrive ordered by centre, then date: group them into CoWIN's calendar centres. */
function calendarCentres(rows: SearchRow[]) {
  const centres: (ReturnType<typeof centreFields> & {
    sessions: ReturnType<typeof calendarSession>[];
    vaccine_fees?: { vaccine: string; fee: string }[];
  })[] = [];
  let current: (typeof centres)[number] | undefined;
  for (const row of rows) {
    if (current?.center_id !== row.center_id) {
      current = {
        ...centreFields(row),
        sessions: [],
        ...(row.fee_type === 'Paid' ? { vaccine_fees: row.vaccine_fees } : {}),
      };
      centres.push(current);
    }
    current.sessions.push(calendarSession(row));
  }
  // vaccine_fees comes after sessions in CoWIN's answers.
  return centres.map(({ vaccine_fees, ...centre }) =>
    vaccine_fees ? { ...centre, vaccine_fees } : centre,
  );
}

const tagsOf = (rows: SearchRow[]) => ({
  sessionIds: rows.map((r) => r.session_id),
  centreIds: [...new Set(rows.map((r) => r.center_id))],
});

type Filter = { vaccine?: string | undefined };

/**
 * The public, no-login availability search (CoWIN v2 shapes), answered from the per-node
 * cache. Unknown pincodes, districts and centres are not errors: like CoWIN, they answer
 * with no sessions, so a caller learns nothing more from a wrong id than from an empty one.
 */
export function createSearchService({
  db,
  store,
  cache,
}: {
  db: Db;
  store: FacilityStore;
  cache: SearchCache;
}) {
  const rowsFor = (by: SearchBy, from: string, days: number, { vaccine }: Filter) =>
    store.searchSessions(db, by, { from, to: plusDays(from, days - 1), vaccine });

  const keyOf = (kind: string, by: SearchBy, date: string, { vaccine }: Filter) =>
    `${kind}|${Object.entries(by)
      .map(([k, v]) => `${k}=${v}`)
      .join()}|${date}|${vaccine ?? ''}`;

  const sessionsOn = (by: SearchBy, date: string, filter: Filter): Promise<CachedAnswer> =>
    cache.get(keyOf('sessions', by, date, filter), async (): Promise<Loaded> => {
      const rows = await rowsFor(by, date, 1, filter);
      return { value: { sessions: rows.map(flatSession) }, ...tagsOf(rows) };
    });

  const calendar = (by: SearchBy, date: string, filter: Filter): Promise<CachedAnswer> =>
    cache.get(keyOf('calendar', by, date, filter), async (): Promise<Loaded> => {
      const rows = await rowsFor(by, date, CALENDAR_DAYS, filter);
      const centres = calendarCentres(rows);
      if ('center_id' in by) {
        // Tagged with the centre asked for even when it has no sessions yet, so the session
        // its admins create next drops this answer at once.
        const value = centres[0] ? { centers: centres[0] } : {};
        return { value, ...tagsOf(rows), centreIds: [by.center_id] };
      }
      return { value: { centers: centres }, ...tagsOf(rows) };
    });

  return {
    findByPin: (pincode: number, date: string, filter: Filter) =>
      sessionsOn({ pincode }, date, filter),
    findByDistrict: (districtId: number, date: string, filter: Filter) =>
      sessionsOn({ district_id: districtId }, date, filter),
    calendarByPin: (pincode: number, date: string, filter: Filter) =>
      calendar({ pincode }, date, filter),
    calendarByDistrict: (districtId: number, date: string, filter: Filter) =>
      calendar({ district_id: districtId }, date, filter),
    calendarByCenter: (centerId: number, date: string, filter: Filter) =>
      calendar({ center_id: centerId }, date, filter),
    /** Nearest active centres; rounded to ~100 m in the key so nearby callers share entries. */
    findByLatLong: (lat: number, long: number) => {
      const roundedLat = Math.round(lat * 1000) / 1000;
      const roundedLong = Math.round(long * 1000) / 1000;
      return cache.get(`nearby|${roundedLat}|${roundedLong}`, async (): Promise<Loaded> => {
        const rows = await store.nearestCentres(db, {
          lat: roundedLat,
          long: roundedLong,
          radiusKm: NEARBY_RADIUS_KM,
          limit: NEARBY_LIMIT,
        });
        const centers = rows.map((row) => ({
          center_id: row.center_id,
          name: row.name,
          district_name: row.district_name,
          state_name: row.state_name,
          location: row.address,
          pincode: String(row.pincode),
          block_name: row.block_name,
          lat: row.lat.toFixed(8),
          long: row.long.toFixed(8),
          distance: Math.round(row.distance * 100) / 100,
        }));
        return {
          value: { centers, ttl: NEARBY_TTL_HOURS },
          sessionIds: [],
          centreIds: rows.map((r) => r.center_id),
        };
      });
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
