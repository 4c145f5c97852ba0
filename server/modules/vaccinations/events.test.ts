import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { CERTIFICATE_ISSUED, DOSE_RECORDED } from './events.js';

let w: VaccinationWorld;
let session: string;
let ref: string;
beforeAll(async () => {
  w = await vaccinationWorld('98453');
  session = await w.session(w.centreA, 0, { allow_walk_in: true });
  const { ids } = await w.citizen(1);
  ref = ids[0] ?? '';
});
afterAll(() => w.close());

/**
 * The world's clock stands still, so the relay (which leaves a row to its writer for one
 * second of that clock) hands none of these on: the outbox shows what each change wrote.
 */
const written = () =>
  w.t.database.db
    .selectFrom('outbox_events')
    .select(['topic', 'key', 'payload_enc'])
    .where('topic', 'in', [DOSE_RECORDED, CERTIFICATE_ISSUED])
    .orderBy('seq')
    .execute();

describe('dose and certificate events', () => {
  it('a refused dose writes none; a recorded one writes both, keyed by its ids, once', async () => {
    // Not arrived yet: refused, and nothing is written.
    const refused = await w.dose(w.vaccinator, w.doseBody(session, ref));
    expect(refused.statusCode).toBe(409);
    expect(await written()).toEqual([]);

    await w.checkIn(session, ref);
    const key = 'dose-events-key-1';
    const recorded = await w.dose(w.vaccinator, w.doseBody(session, ref), key);
    expect(recorded.statusCode).toBe(200);
    const answer = recorded.json<{ dose_id: string; certificate_id: string }>();
    const rows = await written();
    expect(rows.map(({ topic, key: id }) => ({ topic, key: id }))).toEqual([
      { topic: DOSE_RECORDED, key: answer.dose_id },
      { topic: CERTIFICATE_ISSUED, key: answer.certificate_id },
    ]);
    // Ids only, and those sealed: the stored payload holds no reference id in clear.
    for (const row of rows) expect(row.payload_enc).not.toContain(ref);

    // A retry under the same key is answered from the record and writes nothing new.
    const replay = await w.dose(w.vaccinator, w.doseBody(session, ref), key);
    expect(replay.json()).toEqual(recorded.json());
    expect(await written()).toHaveLength(2);
  });
});
