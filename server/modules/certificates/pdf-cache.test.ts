import { randomBytes } from 'node:crypto';

import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { CERTIFICATE_ISSUED } from '../vaccinations/events.js';

const NATS_URL = process.env.NATS_URL;
const natsPrefix = `test-pdf-${randomBytes(6).toString('hex')}`;

let w: VaccinationWorld;
let session: string;
beforeAll(async () => {
  // With NATS_URL (the PostgreSQL run) the events go through JetStream; in process otherwise.
  w = await vaccinationWorld('98457', NATS_URL ? { NATS_URL, TEEKA_NATS_PREFIX: natsPrefix } : {});
  session = await w.session(w.centreA, 0, { allow_walk_in: true });
});
afterAll(async () => {
  await w.close();
  if (NATS_URL) {
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`${natsPrefix}-events`).catch(() => false);
    await nc.close();
  }
});

const waitFor = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await check()); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(await check()).toBe(true);
};

const keptPdfs = (certificateId: string) =>
  w.t.database.db
    .selectFrom('certificate_pdfs')
    .selectAll()
    .where('certificate_id', '=', certificateId)
    .execute();

const issuedEvent = (certificateId: string) =>
  w.t.database.db
    .selectFrom('outbox_events')
    .selectAll()
    .where('topic', '=', CERTIFICATE_ISSUED)
    .where('key', '=', certificateId)
    .executeTakeFirstOrThrow();

const pdfConsumed = async (eventId: string) =>
  (await w.t.database.db
    .selectFrom('processed_events')
    .select('outcome')
    .where('consumer', '=', 'certificate-pdf')
    .where('event_id', '=', eventId)
    .executeTakeFirst()) !== undefined;

/** Lets the relay take the events (it leaves a row to its writer for a second of the clock). */
async function consume(eventId: string) {
  w.clock.advance(2000);
  await waitFor(() => pdfConsumed(eventId));
}

const download = (token: string, ref: string) =>
  w.t.app.inject({
    url: `/api/v2/registration/certificate/public/download?beneficiary_reference_id=${ref}`,
    headers: w.bearer(token),
  });

/** A walk-in dose for a new citizen: their token, reference id and certificate id. */
async function vaccinated() {
  const { token, ids } = await w.citizen(1);
  const ref = ids[0] ?? '';
  await w.checkIn(session, ref);
  const dose = await w.dose(w.vaccinator, w.doseBody(session, ref));
  expect(dose.statusCode).toBe(200);
  return { token, ref, certificateId: dose.json<{ certificate_id: string }>().certificate_id };
}

describe('certificate PDFs rendered by the certificate.issued consumer', () => {
  it('renders the PDF once: the download serves exactly it, and a replayed event changes nothing', async () => {
    const { token, ref, certificateId } = await vaccinated();
    const event = await issuedEvent(certificateId);
    expect(await keptPdfs(certificateId)).toEqual([]);
    await consume(event.id);

    const [kept, ...more] = await keptPdfs(certificateId);
    expect(more).toEqual([]);
    expect(
      Buffer.from(kept?.pdf ?? '')
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const response = await download(token, ref);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.rawPayload.equals(Buffer.from(kept?.pdf ?? ''))).toBe(true);

    // The same event again, as after a crash before the consumer's outcome was recorded.
    await w.t.database.db
      .deleteFrom('processed_events')
      .where('consumer', '=', 'certificate-pdf')
      .where('event_id', '=', event.id)
      .execute();
    const { seq: _seq, ...again } = event;
    await w.t.database.db
      .insertInto('outbox_events')
      .values({ ...again, claimed_until: null, attempts: 0 })
      .execute();
    w.clock.advance(2000);
    const outboxEmpty = async () =>
      (await w.t.database.db
        .selectFrom('outbox_events')
        .select('id')
        .where('id', '=', event.id)
        .executeTakeFirst()) === undefined;
    await waitFor(outboxEmpty);
    // In process the consumer runs again; JetStream drops the re-publish as a duplicate.
    if (!NATS_URL) await waitFor(() => pdfConsumed(event.id));
    expect(await keptPdfs(certificateId)).toEqual([kept]);
    expect((await download(token, ref)).rawPayload.equals(response.rawPayload)).toBe(true);
  });

  it('a download before the consumer ran renders and keeps the PDF; the consumer then adds none', async () => {
    const { token, ref, certificateId } = await vaccinated();
    const event = await issuedEvent(certificateId);
    const early = await download(token, ref);
    expect(early.statusCode).toBe(200);
    expect(early.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const [kept, ...more] = await keptPdfs(certificateId);
    expect(more).toEqual([]);
    expect(Buffer.from(kept?.pdf ?? '').equals(early.rawPayload)).toBe(true);

    await consume(event.id);
    expect(await keptPdfs(certificateId)).toEqual([kept]);
    expect((await download(token, ref)).rawPayload.equals(early.rawPayload)).toBe(true);
  });

  it('a corrected certificate gets its own PDF, not its predecessor’s', async () => {
    const { token, ref, certificateId } = await vaccinated();
    await consume((await issuedEvent(certificateId)).id);
    const before = await download(token, ref);
    expect(before.statusCode).toBe(200);

    const { new_certificate_id: corrected } = await w.approvedCorrection(token, ref, {
      name: 'Corrected Name',
    });
    expect(corrected).not.toBe(certificateId);
    await consume((await issuedEvent(corrected)).id);

    const [fresh, ...more] = await keptPdfs(corrected);
    expect(more).toEqual([]);
    const after = await download(token, ref);
    expect(after.statusCode).toBe(200);
    expect(after.rawPayload.equals(Buffer.from(fresh?.pdf ?? ''))).toBe(true);
    expect(after.rawPayload.equals(before.rawPayload)).toBe(false);
    // The predecessor's PDF is still its own (it is revoked, and no longer served).
    expect(await keptPdfs(certificateId)).toHaveLength(1);
  });
});
