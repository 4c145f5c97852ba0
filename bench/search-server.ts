/**
 * The server side of bench/search.ts: Teeka on the configured engine with a seeded
 * district, and beside it a bare Fastify route that returns the same JSON from memory
 * (the ceiling). Prints one `READY {...}` line with both addresses.
 */
import Fastify from 'fastify';

import { loadConfig } from '../server/config.js';
import { buildApp } from '../server/http/app.js';
import { indiaDate } from '../server/modules/facilities/dates.js';
import { prepareDatabase } from '../server/runtime.js';

const DISTRICT = 294; // BBMP
// 40 centres x 7 days x 2 sessions: about the size of CoWIN's own Bellary answer (180 kB).
const CENTRES = 40;
const DAYS = 7;

const config = loadConfig();
const database = await prepareDatabase(config, () => undefined);
const app = await buildApp({ config, database });
const { service } = app.facilities;
const actor = { type: 'system' as const, id: 'bench' };
const today = indiaDate(new Date());

await database.db.transaction().execute(async (tx) => {
  for (let c = 0; c < CENTRES; c++) {
    const centerId = await service.createCentre(
      tx,
      {
        name: `Bench Centre ${String(c).padStart(2, '0')}`,
        address: `${c} Hospital Road, Bengaluru`,
        district_id: DISTRICT,
        block_name: c % 2 ? 'Bommanahalli' : 'Mahadevapura',
        // Ten centres share the PIN code that findByPin asks for.
        pincode: c < 10 ? 560041 : 560001 + c,
        lat: 12.9 + c / 1000,
        long: 77.6 + c / 1000,
        opens_at: '09:00',
        closes_at: '17:00',
        fee_type: c % 5 ? 'Free' : 'Paid',
        vaccine_fees:
          c % 5
            ? []
            : [
                { vaccine: 'COVISHIELD', fee: 780 },
                { vaccine: 'COVAXIN', fee: 1410 },
              ],
      },
      actor,
    );
    for (let d = 0; d < DAYS; d++) {
      for (const [vaccine, min, max] of [
        ['COVISHIELD', 18, 44],
        ['COVAXIN', 45, null],
      ] as const) {
        await service.createSession(
          tx,
          {
            center_id: centerId,
            date: indiaDate(new Date(), d),
            vaccine,
            min_age_limit: min,
            max_age_limit: max,
            capacity_dose1: 100,
            capacity_dose2: 50,
            capacity_precaution: 20,
            slots: ['09:00AM-11:00AM', '11:00AM-01:00PM', '01:00PM-03:00PM', '03:00PM-05:00PM'],
          },
          actor,
        );
      }
    }
  }
});

const date = today.split('-').reverse().join('-');
const paths = {
  calendarByDistrict: `/api/v2/appointment/sessions/public/calendarByDistrict?district_id=${DISTRICT}&date=${date}`,
  findByPin: `/api/v2/appointment/sessions/public/findByPin?pincode=560041&date=${date}`,
};
await app.listen({ host: '127.0.0.1', port: 0 });

// The ceiling: the same answers, parsed once and serialised by Fastify on every request.
const bare = Fastify({ logger: false });
const bodies: Record<string, { json: unknown; bytes: number }> = {};
for (const [name, path] of Object.entries(paths)) {
  const response = await app.inject(path);
  bodies[name] = { json: JSON.parse(response.body) as unknown, bytes: response.body.length };
  bare.get(`/bare/${name}`, () => bodies[name]?.json);
}
await bare.listen({ host: '127.0.0.1', port: 0 });

const address = (server: typeof bare.server) => {
  const a = server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
};
console.log(
  `READY ${JSON.stringify({
    engine: database.engine,
    teeka: address(app.server),
    bare: address(bare.server),
    paths,
    bytes: Object.fromEntries(Object.entries(bodies).map(([k, v]) => [k, v.bytes])),
  })}`,
);

process.once('SIGTERM', () => {
  void Promise.all([app.close(), bare.close()])
    .then(() => database.close())
    .then(() => process.exit(0));
});
