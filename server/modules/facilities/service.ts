import type { z } from 'zod';

import type { Db } from '../../db/index.js';
import { Conflict, Invalid, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { AuditActor, AuditService, RequestContext } from '../audit/service.js';
import { indiaDate } from './dates.js';
import {
  type CentreChangesInput,
  centreChangesInput,
  type NewCentreInput,
  newCentreInput,
  type NewSessionInput,
  newSessionInput,
  SESSION_ID,
  type SessionChangesInput,
  sessionChangesInput,
} from './schemas.js';
import { SLOT } from './slot.js';
import type { FacilityStore, SeatPool, SessionRow } from './store.js';

/** Minutes after midnight of `09:30AM` or of a `09:30` / `09:30:00` time column. */
function minutesOfSlotTime(time: string): number {
  const hours = Number(time.slice(0, 2)) % 12;
  return (time.endsWith('PM') ? hours + 12 : hours) * 60 + Number(time.slice(3, 5));
}
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new Invalid(
      'The centre or session is not valid.',
      'invalid',
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return result.data;
}

/** Checks a fee list against the fee type and the known vaccines; returns it in CoWIN's shape. */
function checkFees(
  feeType: 'Free' | 'Paid',
  fees: { vaccine: string; fee: number }[],
  known: string[],
): { vaccine: string; fee: string }[] {
  if (feeType === 'Free' && fees.length > 0) {
    throw new Invalid('A free centre has no vaccine fees.', 'fees-on-free-centre');
  }
  if (feeType === 'Paid' && fees.length === 0) {
    throw new Invalid('A paid centre needs a fee for each vaccine it gives.', 'fees-missing');
  }
  const seen = new Set<string>();
  for (const { vaccine } of fees) {
    if (!known.includes(vaccine))
      throw new Invalid(`Unknown vaccine ${vaccine}.`, 'unknown-vaccine');
    if (seen.has(vaccine)) throw new Invalid(`${vaccine} has two fees.`, 'duplicate-fee');
    seen.add(vaccine);
  }
  return fees.map(({ vaccine, fee }) => ({ vaccine, fee: String(fee) }));
}

/** The rules a session's ages, seats and slots keep, at creation and after every change. */
function checkSessionShape(
  session: Pick<
    SessionRow,
    | 'min_age_limit'
    | 'max_age_limit'
    | 'capacity_dose1'
    | 'capacity_dose2'
    | 'capacity_precaution'
    | 'slots'
  >,
  centre: { opens_at: string; closes_at: string },
): void {
  if (session.max_age_limit !== null && session.max_age_limit < session.min_age_limit) {
    throw new Invalid('max_age_limit is below min_age_limit.', 'age-limits');
  }
  if (session.capacity_dose1 + session.capacity_dose2 + session.capacity_precaution === 0) {
    throw new Invalid('A session needs at least one seat.', 'no-capacity');
  }
  if (new Set(session.slots).size !== session.slots.length) {
    throw new Invalid('A slot is listed twice.', 'duplicate-slot');
  }
  for (const slot of session.slots) {
    const [start = '', end = ''] = slot.split('-');
    const from = minutesOfSlotTime(start);
    const to = minutesOfSlotTime(end);
    if (
      !SLOT.test(slot) ||
      to <= from ||
      from < minutesOf(centre.opens_at) ||
      to > minutesOf(centre.closes_at)
    ) {
      throw new Invalid(
        `The slot ${slot} must end after it starts, within the centre's hours.`,
        'slot-outside-hours',
      );
    }
  }
}

/**
 * Centres and sessions: creating and changing them (audited in the caller's transaction),
 * and the seat counters booking stands on. Callers that change availability call the search
 * cache's `invalidateSession`/`invalidateCentre` after their transaction commits.
 */
export function createFacilityService({
  store,
  audit,
  clock,
}: {
  store: FacilityStore;
  audit: AuditService;
  clock: Clock;
}) {
  /** The session, or NotFound for an unknown or malformed id. */
  const getSession = async (tx: Db, sessionId: string): Promise<SessionRow> => {
    const session = SESSION_ID.test(sessionId) ? await store.findSession(tx, sessionId) : undefined;
    if (!session) throw new NotFound('There is no such session.', 'unknown-session');
    return session;
  };

  /**
   * The session locked until the transaction ends, so seat takers wait; NotFound for an
   * unknown or malformed id, Conflict for a past one (its record is history).
   */
  const lockChangeable = async (tx: Db, sessionId: string): Promise<SessionRow> => {
    const current = SESSION_ID.test(sessionId) ? await store.lockSession(tx, sessionId) : undefined;
    if (!current) throw new NotFound('There is no such session.', 'unknown-session');
    if (current.date < indiaDate(clock.now())) {
      throw new Conflict('A past session cannot be changed.', 'session-in-past');
    }
    return current;
  };
  /** The seats of `pool` already taken. */
  const taken = (session: SessionRow, pool: SeatPool) =>
    session[`capacity_${pool}`] - session[`available_${pool}`];

  return {
    /**
     * Centres as their admins edit them (times as HH:MM, fees as numbers, as the change API
     * takes them), each with its sessions from today (India) on, at most `limit` in all.
     */
    async managedCentres(tx: Db, centerIds: readonly number[], limit = 200) {
      const centres = await store.centresByIds(tx, centerIds);
      const sessions = await store.sessionsFrom(tx, centerIds, indiaDate(clock.now()), limit);
      const list = centres.map((c) => ({
        ...c,
        opens_at: c.opens_at.slice(0, 5),
        closes_at: c.closes_at.slice(0, 5),
        vaccine_fees: c.vaccine_fees.map((f) => ({ vaccine: f.vaccine, fee: Number(f.fee) })),
        sessions: sessions.filter((x) => x.center_id === c.center_id),
      }));
      return { vaccines: await store.vaccineCodes(tx), centres: list };
    },

    async createCentre(
      tx: Db,
      input: NewCentreInput,
      actor: AuditActor,
      context?: RequestContext,
    ): Promise<number> {
      const centre = parse(newCentreInput, input);
      const stateId = await store.stateOfDistrict(tx, centre.district_id);
      if (stateId === undefined) {
        throw new Invalid(
          `There is no district with district_id ${centre.district_id}.`,
          'unknown-district',
        );
      }
      if (minutesOf(centre.closes_at) <= minutesOf(centre.opens_at)) {
        throw new Invalid('A centre closes after it opens.', 'closes-before-opening');
      }
      const fees = checkFees(centre.fee_type, centre.vaccine_fees, await store.vaccineCodes(tx));
      const centerId = await store.insertCentre(tx, {
        ...centre,
        state_id: stateId,
        vaccine_fees: JSON.stringify(fees),
      });
      await audit.record(
        tx,
        {
          actor,
          action: 'facilities.centre.create',
          subject: { type: 'centre', id: String(centerId) },
          outcome: 'allowed',
          details: { district_id: centre.district_id, fee_type: centre.fee_type },
        },
        context,
      );
      return centerId;
    },

    async updateCentre(
      tx: Db,
      centerId: number,
      input: CentreChangesInput,
      actor: AuditActor,
      context?: RequestContext,
    ): Promise<void> {
      const changes = parse(centreChangesInput, input);
      const current = await store.findCentre(tx, centerId);
      if (!current) throw new NotFound(`There is no centre ${centerId}.`, 'unknown-centre');
      const opens = changes.opens_at ?? current.opens_at;
      const closes = changes.closes_at ?? current.closes_at;
      if (minutesOf(closes) <= minutesOf(opens)) {
        throw new Invalid('A centre closes after it opens.', 'closes-before-opening');
      }
      const feeType = changes.fee_type ?? current.fee_type;
      const { vaccine_fees: newFees, ...rest } = changes;
      const fees =
        newFees !== undefined || changes.fee_type !== undefined
          ? checkFees(
              feeType,
              newFees ?? current.vaccine_fees.map((f) => ({ ...f, fee: Number(f.fee) })),
              await store.vaccineCodes(tx),
            )
          : undefined;
      await store.updateCentre(tx, centerId, {
        ...rest,
        ...(fees ? { vaccine_fees: JSON.stringify(fees) } : {}),
        updated_at: clock.now(),
      });
      await audit.record(
        tx,
        {
          actor,
          action: 'facilities.centre.update',
          subject: { type: 'centre', id: String(centerId) },
          outcome: 'allowed',
          details: { fields: Object.keys(changes).sort().join(',') },
        },
        context,
      );
    },

    async createSession(
      tx: Db,
      input: NewSessionInput,
      actor: AuditActor,
      context?: RequestContext,
    ): Promise<string> {
      const session = parse(newSessionInput, input);
      const centre = await store.findCentre(tx, session.center_id);
      if (!centre) throw new NotFound(`There is no centre ${session.center_id}.`, 'unknown-centre');
      if (!centre.active) throw new Conflict('The centre is not active.', 'centre-inactive');
      if (!(await store.vaccineCodes(tx)).includes(session.vaccine)) {
        throw new Invalid(`Unknown vaccine ${session.vaccine}.`, 'unknown-vaccine');
      }
      if (session.date < indiaDate(clock.now())) {
        throw new Invalid('A session cannot be dated in the past.', 'session-in-past');
      }
      checkSessionShape(session, centre);
      const sessionId = await store.insertSession(tx, {
        ...session,
        available_dose1: session.capacity_dose1,
        available_dose2: session.capacity_dose2,
        available_precaution: session.capacity_precaution,
        slots: JSON.stringify(session.slots),
      });
      await audit.record(
        tx,
        {
          actor,
          action: 'facilities.session.create',
          subject: { type: 'session', id: sessionId },
          outcome: 'allowed',
          details: {
            center_id: session.center_id,
            date: session.date,
            vaccine: session.vaccine,
            capacity: session.capacity_dose1 + session.capacity_dose2 + session.capacity_precaution,
          },
        },
        context,
      );
      return sessionId;
    },

    /**
     * Changes a session's ages, seats, slots or walk-in rule. A pool's capacity never goes
     * below the seats already taken from it; the row is locked so seat takers wait.
     */
    async updateSession(
      tx: Db,
      sessionId: string,
      input: SessionChangesInput,
      actor: AuditActor,
      context?: RequestContext,
    ): Promise<SessionRow> {
      const changes = parse(sessionChangesInput, input);
      const current = await lockChangeable(tx, sessionId);
      const centre = await store.findCentre(tx, current.center_id);
      if (!centre) throw new NotFound(`There is no centre ${current.center_id}.`, 'unknown-centre');
      const next = { ...current, ...changes };
      checkSessionShape(next, centre);
      const available = { dose1: 0, dose2: 0, precaution: 0 };
      for (const pool of ['dose1', 'dose2', 'precaution'] as const) {
        const seatsTaken = taken(current, pool);
        if (next[`capacity_${pool}`] < seatsTaken) {
          throw new Conflict(
            `${seatsTaken} ${pool} seats are already taken: the capacity cannot go below that.`,
            'capacity-below-taken',
          );
        }
        available[pool] = next[`capacity_${pool}`] - seatsTaken;
      }
      const { slots, ...rest } = changes;
      await store.updateSession(tx, sessionId, {
        ...rest,
        ...(slots ? { slots: JSON.stringify(slots) } : {}),
        available_dose1: available.dose1,
        available_dose2: available.dose2,
        available_precaution: available.precaution,
      });
      await audit.record(
        tx,
        {
          actor,
          action: 'facilities.session.update',
          subject: { type: 'session', id: sessionId },
          outcome: 'allowed',
          details: { center_id: current.center_id, fields: Object.keys(changes).sort().join(',') },
        },
        context,
      );
      return {
        ...next,
        available_dose1: available.dose1,
        available_dose2: available.dose2,
        available_precaution: available.precaution,
      };
    },

    /**
     * Closes a session to new bookings: each pool's capacity becomes the seats already taken,
     * so nothing is left to book and every booking made stays. The row is locked as above.
     */
    async closeSession(
      tx: Db,
      sessionId: string,
      actor: AuditActor,
      context?: RequestContext,
    ): Promise<void> {
      const current = await lockChangeable(tx, sessionId);
      await store.updateSession(tx, sessionId, {
        capacity_dose1: taken(current, 'dose1'),
        capacity_dose2: taken(current, 'dose2'),
        capacity_precaution: taken(current, 'precaution'),
        available_dose1: 0,
        available_dose2: 0,
        available_precaution: 0,
      });
      await audit.record(
        tx,
        {
          actor,
          action: 'facilities.session.close',
          subject: { type: 'session', id: sessionId },
          outcome: 'allowed',
          details: {
            center_id: current.center_id,
            seats_withdrawn:
              current.available_dose1 + current.available_dose2 + current.available_precaution,
          },
        },
        context,
      );
    },

    getSession,

    /**
     * Takes one seat of `pool` in the caller's transaction and returns the session as it
     * is after the take. Conflict (409 `no-seats`) when none is left, NotFound for an
     * unknown session. Roll the transaction back and the seat was never taken.
     */
    async takeSeat(tx: Db, sessionId: string, pool: SeatPool): Promise<SessionRow> {
      const taken = SESSION_ID.test(sessionId)
        ? await store.takeSeat(tx, sessionId, pool)
        : undefined;
      if (taken) return taken;
      await getSession(tx, sessionId);
      throw new Conflict('No seats are left in this session for that dose.', 'no-seats');
    },

    /**
     * Gives one seat of `pool` back. Giving back more than was taken is a defect in the
     * caller (a seat returned twice), so it is refused rather than silently ignored.
     */
    async giveSeatBack(tx: Db, sessionId: string, pool: SeatPool): Promise<void> {
      if (SESSION_ID.test(sessionId) && (await store.giveSeatBack(tx, sessionId, pool))) return;
      await getSession(tx, sessionId);
      throw new Conflict('Every seat of this session is already free.', 'seat-not-taken');
    },
  };
}

export type FacilityService = ReturnType<typeof createFacilityService>;
