import { randomUUID } from 'node:crypto';

import { lostToAConcurrentChange } from '../../db/errors.js';
import type { Db } from '../../db/index.js';
import { AppError, Conflict, Invalid, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { RecordedMetrics } from '../../platform/metrics.js';
import { withAudit } from '../audit/denied.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import type { Citizen } from '../citizen-auth/guard.js';
import type { Outbox } from '../events/outbox.js';
import { indiaDate } from '../facilities/dates.js';
import type { FacilitiesModule } from '../facilities/module.js';
import type { SeatPool, SessionRow } from '../facilities/store.js';
import { checkEligible, type ProgrammeRules } from './rules.js';
import type { CancelInput, RescheduleInput, ScheduleInput } from './schemas.js';
import type { AppointmentStore } from './store.js';

const POOL: Record<number, SeatPool> = { 1: 'dose1', 2: 'dose2', 3: 'precaution' };
const poolOf = (dose: number): SeatPool => POOL[dose] ?? 'precaution';
const asDose = (dose: number) => (dose === 1 || dose === 2 ? dose : 3);

const ATTEMPTS = 5;
const pgCode = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
const pgConstraint = (error: unknown) =>
  typeof error === 'object' && error !== null && 'constraint' in error
    ? error.constraint
    : undefined;

type Action = 'appointment.schedule' | 'appointment.reschedule' | 'appointment.cancel';

export function createAppointmentService({
  db,
  store,
  audit,
  clock,
  facilities,
  beneficiaries,
  outbox,
  recorded,
}: {
  db: Db;
  store: AppointmentStore;
  audit: AuditService;
  clock: Clock;
  facilities: Pick<FacilitiesModule, 'service' | 'cache'>;
  beneficiaries: Pick<BeneficiaryService, 'requireOwned' | 'birthYear'>;
  /** appointment.booked, .rescheduled and .cancelled events, for consumers to come. */
  outbox: Pick<Outbox, 'add'>;
  recorded: Pick<RecordedMetrics, 'bookings'>;
}) {
  /**
   * Runs `work` in one transaction, again if PostgreSQL broke a deadlock by aborting it; a
   * refusal is recorded (after the rollback) as a denied `action` against the caller.
   */
  async function decide<T>(
    citizen: Citizen,
    action: Action,
    details: Record<string, string | number>,
    context: RequestContext,
    work: (tx: Db) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(work);
      } catch (error) {
        if (lostToAConcurrentChange(error) && attempt < ATTEMPTS) continue;
        const refusal =
          error instanceof AppError
            ? error
            : pgCode(error) === '23505' && pgConstraint(error) === 'appointments_one_open_idx'
              ? alreadyBooked()
              : undefined;
        if (!refusal) throw error;
        throw withAudit(refusal, {
          actor: { type: 'citizen', id: citizen.mobileRef },
          action,
          outcome: 'denied',
          reason: refusal.code,
          details,
        });
      }
    }
  }

  function checkBookable(session: SessionRow, slot: string): void {
    if (session.date < indiaDate(clock.now())) {
      throw new Conflict('This session is over.', 'session-past');
    }
    if (!session.slots.includes(slot)) {
      throw new Invalid('The slot is not one of this session’s slots.', 'unknown-slot');
    }
  }

  async function checkDoses(
    tx: Db,
    people: Parameters<typeof checkEligible>[0][],
    dose: 1 | 2 | 3,
    session: SessionRow,
  ): Promise<void> {
    const vaccine = await store.vaccineRules(tx, session.vaccine);
    if (!vaccine) throw new Conflict('This session’s vaccine is not known.', 'unknown-vaccine');
    const programme: ProgrammeRules = {
      precautionMinimumAge: (await store.programmeRule(tx, 'precaution_minimum_age')) ?? 18,
      precautionIntervalDays: (await store.programmeRule(tx, 'precaution_interval_days')) ?? 182,
    };
    for (const person of people) checkEligible(person, dose, session, vaccine, programme);
  }

  const owned = async (tx: Db, citizen: Citizen, ids: readonly string[]) =>
    (await beneficiaries.requireOwned(tx, citizen, ids)).map((row) => ({
      ...row,
      birth_year: beneficiaries.birthYear(row),
    }));

  const actorOf = (citizen: Citizen) => ({ type: 'citizen' as const, id: citizen.mobileRef });

  return {
    async schedule(citizen: Citizen, input: ScheduleInput, context: RequestContext) {
      const details = { session_id: input.session_id, dose: input.dose };
      const appointmentId = await decide(
        citizen,
        'appointment.schedule',
        details,
        context,
        async (tx) => {
          if (new Set(input.beneficiaries).size !== input.beneficiaries.length) {
            throw new Invalid('A beneficiary is listed twice.', 'duplicate-beneficiary');
          }
          // Locks the caller's beneficiaries first: two bookings for one person queue here.
          const people = await owned(tx, citizen, input.beneficiaries);
          const session = await facilities.service.getSession(tx, input.session_id);
          checkBookable(session, input.slot);
          await checkDoses(tx, people, input.dose, session);
          if ((await store.openFor(tx, input.beneficiaries)).length > 0) throw alreadyBooked();
          const id = randomUUID();
          const now = clock.now();
          await store.insert(
            tx,
            input.beneficiaries.map((beneficiary) =>
              openAppointment(
                id,
                citizen,
                beneficiary,
                session.session_id,
                input.dose,
                input.slot,
                now,
              ),
            ),
          );
          await audit.record(
            tx,
            {
              actor: actorOf(citizen),
              action: 'appointment.schedule',
              subject: { type: 'appointment', id },
              outcome: 'allowed',
              details: { ...details, beneficiaries: people.length },
            },
            context,
          );
          await outbox.add(tx, {
            topic: 'appointment.booked',
            key: id,
            payload: {
              appointment_id: id,
              mobile_ref: citizen.mobileRef,
              session_id: session.session_id,
              dose: input.dose,
              slot: input.slot,
              beneficiaries: input.beneficiaries,
            },
          });
          // Last, so that the session's row, which every booking of it waits for, is held
          // only from here to the commit.
          for (let i = 0; i < people.length; i++) {
            await facilities.service.takeSeat(tx, session.session_id, poolOf(input.dose));
          }
          return id;
        },
      );
      facilities.cache.invalidateSession(input.session_id);
      recorded.bookings.inc();
      return { appointment_confirmation_no: appointmentId };
    },

    async reschedule(citizen: Citizen, input: RescheduleInput, context: RequestContext) {
      const details = { appointment_id: input.appointment_id, session_id: input.session_id };
      const from = await decide(citizen, 'appointment.reschedule', details, context, async (tx) => {
        const booked = await store.booked(tx, input.appointment_id, citizen.mobileRef);
        const first = booked[0];
        if (!first) throw appointmentNotFound();
        const ids = booked.map((b) => b.beneficiary_reference_id);
        const people = await owned(tx, citizen, ids);
        const session = await facilities.service.getSession(tx, input.session_id);
        checkBookable(session, input.slot);
        await checkDoses(tx, people, asDose(first.dose), session);
        const now = clock.now();
        const closed = await store.close(
          tx,
          input.appointment_id,
          citizen.mobileRef,
          ids,
          'rescheduled',
          now,
        );
        // Another request changed this appointment since it was read: let the caller retry.
        if (closed.length !== booked.length) throw appointmentChanged();
        for (const row of closed) {
          await facilities.service.giveSeatBack(tx, row.session_id, poolOf(row.dose));
        }
        for (const row of closed) {
          await facilities.service.takeSeat(tx, session.session_id, poolOf(row.dose));
        }
        await store.insert(
          tx,
          closed.map((row) =>
            openAppointment(
              input.appointment_id,
              citizen,
              row.beneficiary_reference_id,
              session.session_id,
              row.dose,
              input.slot,
              now,
            ),
          ),
        );
        await audit.record(
          tx,
          {
            actor: actorOf(citizen),
            action: 'appointment.reschedule',
            subject: { type: 'appointment', id: input.appointment_id },
            outcome: 'allowed',
            details: { ...details, from_session_id: first.session_id },
          },
          context,
        );
        await outbox.add(tx, {
          topic: 'appointment.rescheduled',
          key: input.appointment_id,
          payload: {
            appointment_id: input.appointment_id,
            mobile_ref: citizen.mobileRef,
            from_session_id: first.session_id,
            session_id: session.session_id,
            slot: input.slot,
            beneficiaries: ids,
          },
        });
        return first.session_id;
      });
      facilities.cache.invalidateSession(from);
      facilities.cache.invalidateSession(input.session_id);
    },

    async cancel(citizen: Citizen, input: CancelInput, context: RequestContext) {
      const ids = [...new Set(input.beneficiariesToCancel)];
      const sessions = await decide(
        citizen,
        'appointment.cancel',
        { appointment_id: input.appointment_id },
        context,
        async (tx) => {
          await beneficiaries.requireOwned(tx, citizen, ids);
          const closed = await store.close(
            tx,
            input.appointment_id,
            citizen.mobileRef,
            ids,
            'cancelled',
            clock.now(),
          );
          if (closed.length !== ids.length) throw appointmentNotFound();
          for (const row of closed) {
            await facilities.service.giveSeatBack(tx, row.session_id, poolOf(row.dose));
          }
          await audit.record(
            tx,
            {
              actor: actorOf(citizen),
              action: 'appointment.cancel',
              subject: { type: 'appointment', id: input.appointment_id },
              outcome: 'allowed',
              details: { beneficiaries: closed.length },
            },
            context,
          );
          await outbox.add(tx, {
            topic: 'appointment.cancelled',
            key: input.appointment_id,
            payload: {
              appointment_id: input.appointment_id,
              mobile_ref: citizen.mobileRef,
              beneficiaries: ids,
            },
          });
          return new Set(closed.map((row) => row.session_id));
        },
      );
      for (const sessionId of sessions) facilities.cache.invalidateSession(sessionId);
    },

    /** The open rows of one of the caller's appointments, for the slip; 404 otherwise. */
    async slip(citizen: Citizen, appointmentId: string) {
      const rows = await store.openOfAppointment(db, appointmentId, citizen.mobileRef);
      if (rows.length === 0) throw appointmentNotFound();
      return rows;
    },
  };
}

export type AppointmentService = ReturnType<typeof createAppointmentService>;

const alreadyBooked = () =>
  new Conflict('A beneficiary already has an open appointment.', 'appointment-exists');
const appointmentNotFound = () =>
  new NotFound(
    'No such open appointment for these beneficiaries under this mobile number.',
    'appointment-not-found',
  );
const appointmentChanged = () =>
  new Conflict('The appointment changed meanwhile; please try again.', 'appointment-changed');

/** One beneficiary's open (booked) appointment row: a new booking and a reschedule both make them. */
function openAppointment(
  appointmentId: string,
  citizen: Citizen,
  beneficiary: string,
  sessionId: string,
  dose: number,
  slot: string,
  now: Date,
) {
  return {
    appointment_id: appointmentId,
    mobile_ref: citizen.mobileRef,
    beneficiary_reference_id: beneficiary,
    session_id: sessionId,
    dose,
    slot,
    status: 'booked' as const,
    created_at: now,
    closed_at: null,
  };
}
