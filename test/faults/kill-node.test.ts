import { randomBytes, randomUUID } from 'node:crypto';

import { connect } from 'nats';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.js';
import { buildApp } from '../../server/http/app.js';
import { indiaDate } from '../../server/modules/facilities/dates.js';
import { manualClock } from '../../server/platform/clock.js';
import { givenCitizens, schedule } from '../helpers/appointments.js';
import { bearer, type SmsOutbox, smsOutbox } from '../helpers/citizen.js';
import { engine, freshDatabase } from '../helpers/db.js';
import { natsPrefix } from '../helpers/events.js';
import { givenFacilities } from '../helpers/facilities.js';
import { freePort, startTeeka, stopTeeka, testNodeEnv, waitForHealth } from '../helpers/process.js';
import { type Session, staffClient } from '../helpers/staff.js';

const { REDIS_URL, NATS_URL } = process.env;
const SLOT = '09:00AM-11:00AM';
const BOOKING_SEATS = 24;
const BOOKERS = 8;
const PER_BOOKER = 4;
const DOSE_CITIZENS = 8;
const PER_DOSE_CITIZEN = 3;
const CLIENTS = 6;
/** SIGKILL node A once the client holds this many answers. */
const KILL_AFTER = 20;

type Operation =
  | { kind: 'book'; token: string; ref: string }
  | { kind: 'dose'; ref: string; key: string; body: Record<string, unknown> };
interface Outcome {
  op: Operation;
  status: number;
  body: Record<string, unknown>;
  /** The first try got no answer (its node died) and the request was sent again to node B. */
  retried: boolean;
  /** It was on its way to node A when node A was killed. */
  cutOff: boolean;
}

/**
 * Two Teeka processes on PostgreSQL + Redis + NATS JetStream; a client books seats and
 * records doses (with an Idempotency-Key, as the vaccinators' devices do) on both, and node
 * A is killed with SIGKILL in the middle (issue 12's fault test). Every request that got no
 * answer is sent again, unchanged, to node B. Afterwards every acknowledged booking and dose
 * is there exactly once, no seat is overbooked, each dose has one certificate, and the
 * outbox drains with each certificate event consumed once.
 */
describe.runIf(engine === 'postgres' && REDIS_URL && NATS_URL)(
  'a server process killed with SIGKILL mid-run',
  () => {
    let database: Awaited<ReturnType<typeof freshDatabase>>;
    let outbox: SmsOutbox;
    const prefix = natsPrefix();
    const nodes: ReturnType<typeof startTeeka>[] = [];
    const urls: string[] = [];
    let vaccinator: Session;
    let bookingSession: string;
    let doseSession: string;
    const bookers: { token: string; ids: string[] }[] = [];
    const vaccinees: string[] = [];

    beforeAll(async () => {
      database = await freshDatabase(4);
      outbox = await smsOutbox();
      const env = testNodeEnv({
        LOG_LEVEL: 'warn',
        TEEKA_SMS_OUTBOX: outbox.file,
        DATABASE_URL: database.url ?? '',
        REDIS_URL: REDIS_URL ?? '',
        TEEKA_REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}`,
      });
      await setUp(env);
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        nodes.push(
          startTeeka({
            ...env,
            NATS_URL: NATS_URL ?? '',
            TEEKA_NATS_PREFIX: prefix,
            PORT: String(port),
          }),
        );
        urls.push(`http://127.0.0.1:${port}`);
      }
      await Promise.all(urls.map((url) => waitForHealth(url, 90_000)));
    }, 180_000);

    /**
     * Staff, citizens, sessions and check-ins through the real app in this process (its own
     * events in process, drained before it closes), on the database the nodes then share.
     */
    async function setUp(env: Record<string, string>) {
      // Each staff sign-in moves this clock 30 s on (a TOTP code counts once): it starts in
      // the past, so that nothing it stamps (the outbox events of the setup bookings) is
      // still in the future for the nodes.
      const clock = manualClock(new Date(Date.now() - 5 * 60_000));
      const app = await buildApp({
        config: loadConfig(env),
        database,
        logger: pino({ level: 'warn' }),
        clock,
      });
      try {
        const t = { app, database, logs: [], close: () => app.close() };
        const staff = staffClient(t, clock);
        const national = await staff.nationalAdmin();
        const district = await staff.member(national, 'kill.district', [
          { role: 'district-admin', district_id: 294 },
        ]);
        const facilities = givenFacilities(database.db, app.facilities.service);
        const centre = await facilities.centre({ district_id: 294 });
        const verifier = await staff.member(district, 'kill.verifier', [
          { role: 'verifier', center_id: centre },
        ]);
        vaccinator = await staff.member(district, 'kill.vaccinator', [
          { role: 'vaccinator', center_id: centre },
        ]);
        doseSession = await facilities.session(centre, indiaDate(new Date(), 0));
        bookingSession = await facilities.session(centre, indiaDate(new Date(), 2), {
          capacity_dose1: BOOKING_SEATS,
        });
        const citizens = givenCitizens(app, outbox, '93100');
        for (let i = 0; i < BOOKERS; i++) bookers.push(await citizens.citizen(PER_BOOKER));
        for (let i = 0; i < DOSE_CITIZENS; i++) {
          const { token, ids } = await citizens.citizen(PER_DOSE_CITIZEN);
          const booked = await schedule(app, token, {
            dose: 1,
            session_id: doseSession,
            slot: SLOT,
            beneficiaries: ids,
          });
          if (booked.statusCode !== 200) throw new Error(`booking: ${booked.body}`);
          const listed = await app.inject({
            url: '/api/v2/appointment/beneficiaries',
            headers: bearer(token),
          });
          const people = listed.json<{
            beneficiaries: { beneficiary_reference_id: string; photo_id_number: string }[];
          }>().beneficiaries;
          for (const person of people) {
            const ref = person.beneficiary_reference_id;
            const at = `/api/v1/vaccinations/sessions/${doseSession}`;
            const identity = await staff.post(
              `${at}/identity`,
              { beneficiary_reference_id: ref, photo_id_last4: person.photo_id_number.slice(-4) },
              verifier.headers,
            );
            const arrived = await staff.post(
              `${at}/arrivals`,
              { beneficiary_reference_id: ref },
              verifier.headers,
            );
            if (identity.statusCode !== 200 || arrived.statusCode !== 200) {
              throw new Error(`check-in: ${identity.body} ${arrived.body}`);
            }
            vaccinees.push(ref);
          }
        }
      } finally {
        await app.close();
      }
    }

    afterAll(async () => {
      await stopTeeka(nodes);
      const nc = await connect({ servers: NATS_URL });
      await (await nc.jetstreamManager()).streams.delete(`${prefix}-events`).catch(() => false);
      await nc.close();
      await outbox.remove();
      await database.close();
    }, 60_000);

    async function send(url: string, op: Operation) {
      const request =
        op.kind === 'book'
          ? {
              path: '/api/v2/appointment/schedule',
              headers: bearer(op.token),
              body: { dose: 1, session_id: bookingSession, slot: SLOT, beneficiaries: [op.ref] },
            }
          : {
              path: '/api/v1/vaccinations/doses',
              headers: { ...vaccinator.headers, 'idempotency-key': op.key },
              body: op.body,
            };
      const response = await fetch(`${url}${request.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it('loses and duplicates no acknowledged booking or dose, overbooks no seat, and consumes each event once', async () => {
      const [nodeA, nodeB] = [urls[0] ?? '', urls[1] ?? ''];
      const ops: Operation[] = [];
      const bookings = bookers.flatMap(({ token, ids }) =>
        ids.map((ref) => ({ kind: 'book' as const, token, ref })),
      );
      const doses = vaccinees.map((ref) => ({
        kind: 'dose' as const,
        ref,
        key: randomUUID(),
        body: {
          session_id: doseSession,
          beneficiary_reference_id: ref,
          vaccine: 'COVISHIELD',
          batch: '4121Z025',
          dose: 1,
          vaccinated_at: new Date().toISOString(),
        },
      }));
      while (bookings.length + doses.length > 0) {
        const next =
          ops.length % 2 === 0
            ? (bookings.shift() ?? doses.shift())
            : (doses.shift() ?? bookings.shift());
        if (next) ops.push(next);
      }

      const outcomes: Outcome[] = [];
      let killed = false;
      let killing = false;
      let sent = 0;
      const client = async () => {
        for (let op = ops.shift(); op; op = ops.shift()) {
          // A, A, B, B, ...: bookings and doses alternate too, so each node gets both.
          const url = Math.floor(sent++ / 2) % 2 === 0 ? nodeA : nodeB;
          let answer;
          let retried = false;
          const startedBeforeKill = !killed;
          // Midway, node A dies while it works on a dose (in its transaction, most likely).
          if (!killing && url === nodeA && op.kind === 'dose' && outcomes.length >= KILL_AFTER) {
            killing = true;
            setTimeout(() => {
              killed = true;
              nodes[0]?.child.kill('SIGKILL');
            }, 20);
          }
          try {
            answer = await send(url, op);
          } catch (error) {
            // No answer: its node died. The same request goes to the node that is left.
            if (url !== nodeA || !killed) throw error;
            retried = true;
            answer = await send(nodeB, op);
          }
          outcomes.push({ op, ...answer, retried, cutOff: retried && startedBeforeKill });
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      expect(killed).toBe(true);
      expect(await nodes[0]?.exited).toBeNull(); // killed by a signal, not an exit
      expect(outcomes).toHaveLength(BOOKERS * PER_BOOKER + DOSE_CITIZENS * PER_DOSE_CITIZEN);
      // Every request for node A after the kill is sent again to node B.
      expect(outcomes.filter((o) => o.retried).length).toBeGreaterThan(0);

      // Every answer is an acknowledgement or a refusal the client understands, never a 5xx.
      const seen = new Set(
        outcomes.map(
          (o) => `${o.op.kind} ${o.status} ${typeof o.body.code === 'string' ? o.body.code : ''}`,
        ),
      );
      for (const kind of seen) {
        expect([
          'book 200 ',
          'book 409 no-seats',
          'book 409 appointment-exists',
          'dose 200 ',
        ]).toContain(kind);
      }

      // Bookings: each acknowledged one is there once, as the client was told; none beyond the seats.
      const rows = await database.db
        .selectFrom('appointments')
        .select(['appointment_id', 'beneficiary_reference_id'])
        .where('session_id', '=', bookingSession)
        .where('status', '=', 'booked')
        .execute();
      const rowsOf = (ref: string) => rows.filter((r) => r.beneficiary_reference_id === ref);
      for (const outcome of outcomes.filter((o) => o.op.kind === 'book')) {
        const found = rowsOf(outcome.op.ref);
        if (outcome.status === 200) {
          expect(found).toEqual([
            {
              appointment_id: outcome.body.appointment_confirmation_no,
              beneficiary_reference_id: outcome.op.ref,
            },
          ]);
        } else if (outcome.retried) {
          // The first try may have been committed before its node died: then the retry is refused, and it is there once.
          expect(found.length).toBeLessThanOrEqual(1);
        } else {
          expect(found).toEqual([]);
        }
      }
      expect(rows.length).toBeLessThanOrEqual(BOOKING_SEATS);
      expect(new Set(rows.map((r) => r.beneficiary_reference_id)).size).toBe(rows.length);
      const seats = await database.db
        .selectFrom('vaccination_sessions')
        .select(['capacity_dose1', 'available_dose1'])
        .where('session_id', '=', bookingSession)
        .executeTakeFirstOrThrow();
      // The seat counter agrees with the appointments: no seat taken twice or left taken by a lost try.
      expect(seats.available_dose1).toBe(seats.capacity_dose1 - rows.length);
      expect(seats.available_dose1).toBeGreaterThanOrEqual(0);

      // Doses: every one acknowledged (a retry after a lost answer included), once, with one certificate.
      const given = await database.db
        .selectFrom('doses')
        .select(['dose_id', 'beneficiary_reference_id'])
        .where('session_id', '=', doseSession)
        .execute();
      expect(given).toHaveLength(vaccinees.length);
      for (const outcome of outcomes.filter((o) => o.op.kind === 'dose')) {
        expect(outcome.status).toBe(200);
        expect(given.filter((d) => d.beneficiary_reference_id === outcome.op.ref)).toEqual([
          { dose_id: outcome.body.dose_id, beneficiary_reference_id: outcome.op.ref },
        ]);
      }
      const certificates = await database.db
        .selectFrom('certificates')
        .select(['certificate_id', 'beneficiary_reference_id'])
        .where('beneficiary_reference_id', 'in', vaccinees)
        .execute();
      expect(certificates).toHaveLength(vaccinees.length);
      expect(new Set(certificates.map((c) => c.beneficiary_reference_id)).size).toBe(
        vaccinees.length,
      );

      // The outbox drains through node B (a lease or an unacknowledged delivery node A held runs out in 30 s).
      const waiting = () =>
        database.db
          .selectFrom('outbox_events')
          .select([
            'topic',
            'attempts',
            'last_error',
            'created_at',
            'claimed_until',
            'available_at',
          ])
          .execute();
      const pending = async () => (await waiting()).length;
      const pdfEvents = async () =>
        database.db
          .selectFrom('processed_events')
          .select(['event_id', 'outcome'])
          .where('consumer', '=', 'certificate-pdf')
          .execute();
      for (
        let i = 0;
        i < 500 && ((await pending()) > 0 || (await pdfEvents()).length < vaccinees.length);
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await waiting()).toEqual([]);
      const handled = await pdfEvents();
      expect(handled).toHaveLength(vaccinees.length);
      expect(handled.every((h) => h.outcome === 'done')).toBe(true);
      const pdfs = await database.db
        .selectFrom('certificate_pdfs')
        .select('certificate_id')
        .where(
          'certificate_id',
          'in',
          certificates.map((c) => c.certificate_id),
        )
        .execute();
      expect(pdfs).toHaveLength(vaccinees.length);
      expect(nodes[1]?.child.exitCode).toBeNull();
    }, 120_000);
  },
);
