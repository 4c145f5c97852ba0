import type { Db } from '../../db/index.js';
import type { AuditActor, AuditService } from '../audit/service.js';
import { indiaDate } from './dates.js';
import type { NewCentreInput, NewSessionInput } from './schemas.js';
import { createFacilityService } from './service.js';
import type { FacilityStore } from './store.js';

/**
 * A small demo world for development: real-looking centres in Bengaluru (BBMP and
 * Bangalore Urban) and Mumbai with a week of sessions, so that a newcomer sees search
 * results at once. Created through the facility service, so it is validated and audited
 * like any centre. Refused in production by the configuration (TEEKA_DEMO_SEED) and the CLI.
 */
type DemoCentre = Omit<NewCentreInput, 'vaccine_fees'> & {
  /** Vaccine, and the age group of its sessions. */
  offers: { vaccine: string; min: number; max?: number }[];
};

const FOUR_SLOTS = ['09:00AM-11:00AM', '11:00AM-01:00PM', '01:00PM-03:00PM', '03:00PM-05:00PM'];
const EVENING_SLOTS = ['10:00AM-01:00PM', '01:00PM-04:00PM', '04:00PM-07:00PM'];

const DEMO_CENTRES: (DemoCentre & { slots: string[] })[] = [
  {
    name: 'Jayanagar General Hospital',
    address: '9th Block, Jayanagar, Bengaluru',
    district_id: 294,
    block_name: 'Bommanahalli',
    pincode: 560041,
    lat: 12.9259,
    long: 77.5936,
    opens_at: '09:00',
    closes_at: '17:00',
    fee_type: 'Free',
    offers: [
      { vaccine: 'COVISHIELD', min: 18, max: 44 },
      { vaccine: 'COVISHIELD', min: 45 },
      { vaccine: 'COVAXIN', min: 15 },
    ],
    slots: FOUR_SLOTS,
  },
  {
    name: 'Koramangala UPHC',
    address: '1st Cross, Koramangala 3rd Block, Bengaluru',
    district_id: 294,
    block_name: 'Bommanahalli',
    pincode: 560034,
    lat: 12.9279,
    long: 77.6271,
    opens_at: '09:00',
    closes_at: '17:00',
    fee_type: 'Free',
    offers: [
      { vaccine: 'COVISHIELD', min: 18 },
      { vaccine: 'CORBEVAX', min: 12, max: 14 },
    ],
    slots: FOUR_SLOTS,
  },
  {
    name: 'Manipal Hospital Old Airport Road',
    address: '98, HAL Old Airport Road, Kodihalli, Bengaluru',
    district_id: 294,
    block_name: 'Mahadevapura',
    pincode: 560017,
    lat: 12.9592,
    long: 77.6484,
    opens_at: '10:00',
    closes_at: '19:00',
    fee_type: 'Paid',
    offers: [
      { vaccine: 'COVISHIELD', min: 18 },
      { vaccine: 'COVAXIN', min: 18 },
    ],
    slots: EVENING_SLOTS,
  },
  {
    name: 'Anekal Taluk Hospital',
    address: 'Hosur Road, Anekal',
    district_id: 265,
    block_name: 'Anekal',
    pincode: 562106,
    lat: 12.7105,
    long: 77.6953,
    opens_at: '09:00',
    closes_at: '17:00',
    fee_type: 'Free',
    offers: [
      { vaccine: 'COVAXIN', min: 15 },
      { vaccine: 'CORBEVAX', min: 12, max: 14 },
    ],
    slots: FOUR_SLOTS,
  },
  {
    name: 'Lilavati Hospital',
    address: 'A-791, Bandra Reclamation, Bandra West, Mumbai',
    district_id: 395,
    block_name: 'Ward H West Corporation - MH',
    pincode: 400050,
    lat: 19.0509,
    long: 72.8287,
    opens_at: '10:00',
    closes_at: '19:00',
    fee_type: 'Paid',
    offers: [
      { vaccine: 'COVISHIELD', min: 18 },
      { vaccine: 'SPUTNIK V', min: 18 },
    ],
    slots: EVENING_SLOTS,
  },
  {
    name: 'BKC Jumbo Covid Centre',
    address: 'G Block, Bandra Kurla Complex, Mumbai',
    district_id: 395,
    block_name: 'Ward H East Corporation - MH',
    pincode: 400051,
    lat: 19.0633,
    long: 72.8652,
    opens_at: '09:00',
    closes_at: '17:00',
    fee_type: 'Free',
    offers: [
      { vaccine: 'COVISHIELD', min: 18, max: 44 },
      { vaccine: 'COVISHIELD', min: 45 },
      { vaccine: 'COVAXIN', min: 15 },
    ],
    slots: FOUR_SLOTS,
  },
  {
    name: 'V N Desai Hospital',
    address: 'Santacruz East, Mumbai',
    district_id: 395,
    block_name: 'Ward H East Corporation - MH',
    pincode: 400055,
    lat: 19.0793,
    long: 72.8497,
    opens_at: '09:00',
    closes_at: '15:00',
    fee_type: 'Free',
    offers: [
      { vaccine: 'COVAXIN', min: 15 },
      { vaccine: 'CORBEVAX', min: 12, max: 14 },
    ],
    slots: ['09:00AM-10:00AM', '10:00AM-11:00AM', '11:00AM-12:00PM', '12:00PM-03:00PM'],
  },
];

/** Private hospitals' ceiling prices (MoHFW, June 2021), in rupees. */
const PRIVATE_FEES: Record<string, number> = {
  COVISHIELD: 780,
  COVAXIN: 1410,
  'SPUTNIK V': 1145,
};
const DAYS = 7;
const SEED_ACTOR: AuditActor = { type: 'system', id: 'seed-demo' };

/** Varied but repeatable capacities: the same demo world on every machine. */
function capacities(centre: number, day: number, offer: number) {
  const n = (centre * 31 + day * 17 + offer * 7) % 10;
  const dose1 = [0, 10, 25, 40, 50, 60, 75, 100, 120, 150][n] ?? 50;
  return { dose1, dose2: Math.round(dose1 * 0.6), precaution: offer === 0 ? 20 : 0 };
}

export async function seedDemoWorld(
  tx: Db,
  { store, audit, now }: { store: FacilityStore; audit: AuditService; now: Date },
): Promise<{ centres: number; sessions: number } | null> {
  if ((await store.countCentres(tx)) > 0) return null;
  const service = createFacilityService({ store, audit, clock: { now: () => now } });
  let sessions = 0;
  for (const [c, { offers, slots, ...centre }] of DEMO_CENTRES.entries()) {
    const vaccines = [...new Set(offers.map((o) => o.vaccine))];
    const centerId = await service.createCentre(
      tx,
      {
        ...centre,
        vaccine_fees:
          centre.fee_type === 'Paid'
            ? vaccines.map((vaccine) => ({ vaccine, fee: PRIVATE_FEES[vaccine] ?? 0 }))
            : [],
      },
      SEED_ACTOR,
    );
    for (let day = 0; day < DAYS; day++) {
      for (const [o, offer] of offers.entries()) {
        const seats = capacities(c, day, o);
        const session: NewSessionInput = {
          center_id: centerId,
          date: indiaDate(now, day),
          vaccine: offer.vaccine,
          min_age_limit: offer.min,
          max_age_limit: offer.max ?? null,
          capacity_dose1: seats.dose1,
          capacity_dose2: seats.dose2,
          capacity_precaution: offer.min >= 18 ? seats.precaution : 0,
          slots,
          allow_walk_in: centre.fee_type === 'Free',
        };
        if (session.capacity_dose1 + session.capacity_dose2 === 0) session.capacity_dose2 = 30;
        await service.createSession(tx, session, SEED_ACTOR);
        sessions++;
      }
    }
  }
  await audit.record(tx, {
    actor: SEED_ACTOR,
    action: 'facilities.demo-seed',
    outcome: 'allowed',
    details: { centres: DEMO_CENTRES.length, sessions },
  });
  return { centres: DEMO_CENTRES.length, sessions };
}
