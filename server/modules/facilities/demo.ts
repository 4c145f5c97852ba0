import type { Db } from '../../db/index.js';
import type { AuditService } from '../audit/service.js';
import type { createFacilityStore } from './store.js';

/**
 * A small demo world for development: a few centres in three districts with sessions for
 * the coming week, so that a newcomer sees real search results at once. Refused in
 * production by the configuration (TEEKA_DEMO_SEED) and by the CLI.
 */
const DEMO_CENTRES = [
  {
    name: 'Jayanagar General Hospital',
    address: '9th Block, Jayanagar',
    state_id: 16,
    district_id: 294,
    block_name: 'Bommanahalli',
    pincode: 560041,
    lat: 12.9259,
    long: 77.5936,
    fee_type: 'Free',
    vaccines: ['COVISHIELD', 'COVAXIN'],
  },
  {
    name: 'Koramangala UPHC',
    address: '1st Cross, Koramangala 3rd Block',
    state_id: 16,
    district_id: 294,
    block_name: 'Bommanahalli',
    pincode: 560034,
    lat: 12.9279,
    long: 77.6271,
    fee_type: 'Free',
    vaccines: ['COVISHIELD'],
  },
  {
    name: 'Anekal Taluk Hospital',
    address: 'Hosur Road, Anekal',
    state_id: 16,
    district_id: 265,
    block_name: 'Anekal',
    pincode: 562106,
    lat: 12.7105,
    long: 77.6953,
    fee_type: 'Free',
    vaccines: ['COVAXIN', 'CORBEVAX'],
  },
  {
    name: 'Lilavati Hospital',
    address: 'A-791, Bandra Reclamation, Bandra West',
    state_id: 21,
    district_id: 395,
    block_name: 'Ward H West',
    pincode: 400050,
    lat: 19.0509,
    long: 72.8287,
    fee_type: 'Paid',
    vaccines: ['COVISHIELD', 'SPUTNIK V'],
  },
  {
    name: 'BKC Jumbo Covid Centre',
    address: 'G Block, Bandra Kurla Complex',
    state_id: 21,
    district_id: 395,
    block_name: 'Ward H East',
    pincode: 400051,
    lat: 19.0633,
    long: 72.8652,
    fee_type: 'Free',
    vaccines: ['COVISHIELD', 'COVAXIN'],
  },
] as const;

const FEES: Record<string, string> = {
  COVISHIELD: '780',
  COVAXIN: '1410',
  'SPUTNIK V': '1145',
  CORBEVAX: '250',
};
const SLOTS = ['09:00AM-11:00AM', '11:00AM-01:00PM', '01:00PM-03:00PM', '03:00PM-05:00PM'];
const DAYS = 7;

/** Today's date in India (sessions are dated in IST), as YYYY-MM-DD. */
export function indiaDate(now: Date, plusDays = 0): string {
  const ist = new Date(now.getTime() + 330 * 60_000 + plusDays * 86_400_000);
  return ist.toISOString().slice(0, 10);
}

export async function seedDemoWorld(
  tx: Db,
  {
    store,
    audit,
    now,
  }: { store: ReturnType<typeof createFacilityStore>; audit: AuditService; now: Date },
): Promise<{ centres: number; sessions: number } | null> {
  if ((await store.countCentres(tx)) > 0) return null;
  let sessions = 0;
  for (const centre of DEMO_CENTRES) {
    const { vaccines, ...fields } = centre;
    const centerId = await store.insertCentre(tx, {
      ...fields,
      opens_at: '09:00',
      closes_at: '17:00',
      vaccine_fees: JSON.stringify(
        centre.fee_type === 'Paid'
          ? vaccines.map((v) => ({ vaccine: v, fee: FEES[v] ?? '0' }))
          : [],
      ),
    });
    for (let day = 0; day < DAYS; day++) {
      for (const vaccine of vaccines) {
        const minAge = vaccine === 'CORBEVAX' ? 12 : vaccine === 'COVAXIN' ? 15 : 18;
        await store.insertSession(tx, {
          center_id: centerId,
          date: indiaDate(now, day + 1),
          vaccine,
          min_age_limit: minAge,
          max_age_limit: null,
          capacity_dose1: 50,
          capacity_dose2: 50,
          capacity_precaution: 20,
          available_dose1: 50,
          available_dose2: 50,
          available_precaution: 20,
          slots: JSON.stringify(SLOTS),
          allow_walk_in: true,
        });
        sessions++;
      }
    }
  }
  await audit.record(tx, {
    actor: { type: 'system', id: 'seed-demo' },
    action: 'facilities.demo-seed',
    outcome: 'allowed',
    details: { centres: DEMO_CENTRES.length, sessions },
  });
  return { centres: DEMO_CENTRES.length, sessions };
}
