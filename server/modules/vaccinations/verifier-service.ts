import type { Db } from '../../db/index.js';
import { Conflict, NotFound, RateLimited } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Limits } from '../../platform/limits.js';
import type { AtCentreAppointments } from '../appointments/at-centre.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import type { CitizenAuthService } from '../citizen-auth/service.js';
import { indiaDate } from '../facilities/dates.js';
import type { FacilitiesModule } from '../facilities/module.js';
import type { SessionRow } from '../facilities/store.js';
import { type Access, staffActor, type StaffPrincipal } from '../staff/access.js';
import { type Decide, maskName, VERIFIERS } from './common.js';
import type { WalkIn } from './schemas.js';
import type { VaccinationReads, VaccinationStore } from './store.js';

/** Wrong photo ID answers allowed per beneficiary, and per staff member, per hour. */
const WRONG_PER_BENEFICIARY = 5;
const WRONG_PER_STAFF = 20;

export const notExpected = () =>
  new NotFound(
    'This beneficiary is not expected at this centre today (no appointment, no walk-in session).',
    'beneficiary-not-expected',
  );

/**
 * The verifier's desk: today's list, finding one person, the photo ID check, arrival and
 * walk-in registration. Every call first proves the caller's jurisdiction over the centre.
 */
export function createVerifierService({
  decide,
  store,
  reads,
  audit,
  clock,
  limits,
  access,
  facilities,
  beneficiaries,
  appointments,
  citizens,
}: {
  decide: Decide;
  store: VaccinationStore;
  reads: VaccinationReads;
  audit: AuditService;
  clock: Clock;
  limits: Limits;
  access: Access;
  facilities: Pick<FacilitiesModule, 'service' | 'cache'>;
  beneficiaries: BeneficiaryService;
  appointments: AtCentreAppointments;
  citizens: Pick<CitizenAuthService, 'ensureAccountLocked'>;
}) {
  const wrongForBeneficiary = limits.limiter({
    name: 'identity-wrong-beneficiary',
    // isBlocked refuses once more than `points` are spent: the Nth wrong answer blocks.
    points: WRONG_PER_BENEFICIARY - 1,
    durationSeconds: 3600,
  });
  const wrongForStaff = limits.limiter({
    name: 'identity-wrong-staff',
    points: WRONG_PER_STAFF - 1,
    durationSeconds: 3600,
  });

  const actor = async (tx: Db, staff: StaffPrincipal, centerId: number) => ({
    ...staffActor(staff),
    organisation: (await reads.centre(tx, centerId))?.name ?? null,
  });

  /** Today's session at a centre the caller verifies at; 409 for another day. */
  async function sessionToday(tx: Db, staff: StaffPrincipal, sessionId: string, action: string) {
    const session = await facilities.service.getSession(tx, sessionId);
    await access.require(tx, staff, {
      roles: VERIFIERS,
      within: { centerId: session.center_id },
      action,
    });
    if (session.date !== indiaDate(clock.now())) {
      throw new Conflict('This session is not today.', 'session-not-today');
    }
    return session;
  }

  /** The person must be booked into this session, or the session must take walk-ins. */
  async function expectedAt(tx: Db, session: SessionRow, beneficiaryId: string) {
    const booked = await appointments.openAt(tx, beneficiaryId, session.center_id, session.date);
    if (booked?.session_id === session.session_id) return booked;
    if (session.allow_walk_in) return undefined;
    throw notExpected();
  }

  return {
    async today(
      staff: StaffPrincipal,
      centerId: number,
      date: string | undefined,
      ctx: RequestContext,
    ) {
      const day = date ?? indiaDate(clock.now());
      const action = 'vaccination.appointments.list';
      return decide(
        { actor: staffActor(staff), action, subject: { type: 'centre', id: String(centerId) } },
        async (tx) => {
          await access.require(tx, staff, { roles: VERIFIERS, within: { centerId }, action });
          const rows = await appointments.onDate(tx, centerId, day);
          const ids = rows.map((r) => r.beneficiary_reference_id);
          const people = new Map(
            (await beneficiaries.onSite(tx, ids)).map((p) => [p.referenceId, p]),
          );
          const arrived = new Set(
            (await store.arrivals(tx, [...new Set(rows.map((r) => r.session_id))], ids))
              .filter((a) => a.arrived_at)
              .map((a) => `${a.session_id}/${a.beneficiary_reference_id}`),
          );
          await audit.record(
            tx,
            {
              actor: await actor(tx, staff, centerId),
              action,
              subject: { type: 'centre', id: String(centerId) },
              outcome: 'allowed',
              details: { date: day, count: rows.length },
            },
            ctx,
          );
          return {
            date: day,
            appointments: rows.map((r) => ({
              appointment_id: r.appointment_id,
              beneficiary_reference_id: r.beneficiary_reference_id,
              name: maskName(people.get(r.beneficiary_reference_id)?.name ?? ''),
              session_id: r.session_id,
              slot: r.slot,
              dose: r.dose,
              status:
                r.status === 'completed'
                  ? ('completed' as const)
                  : arrived.has(`${r.session_id}/${r.beneficiary_reference_id}`)
                    ? ('arrived' as const)
                    : ('booked' as const),
            })),
          };
        },
      );
    },

    /**
     * One beneficiary by reference id (booked at this centre today, or any when one of
     * today's sessions takes walk-ins) or everyone on one appointment at this centre.
     */
    async find(
      staff: StaffPrincipal,
      centerId: number,
      by: { reference_id: string } | { appointment_id: string },
      ctx: RequestContext,
    ) {
      const action = 'vaccination.beneficiary.find';
      return decide(
        { actor: staffActor(staff), action, details: { center_id: centerId } },
        async (tx) => {
          await access.require(tx, staff, { roles: VERIFIERS, within: { centerId }, action });
          const today = indiaDate(clock.now());
          let found: {
            id: string;
            appointment?: {
              appointment_id: string;
              session_id: string;
              slot: string;
              dose: number;
            };
          }[];
          if ('appointment_id' in by) {
            const rows = (
              await appointments.openOfAppointment(tx, by.appointment_id, centerId)
            ).filter((r) => r.date === today);
            found = rows.map((r) => ({ id: r.beneficiary_reference_id, appointment: r }));
          } else {
            const booked = await appointments.openAt(tx, by.reference_id, centerId, today);
            const walkIns = (await reads.sessionsOn(tx, centerId, today)).some(
              (s) => s.allow_walk_in,
            );
            found =
              booked || walkIns
                ? [{ id: by.reference_id, ...(booked ? { appointment: booked } : {}) }]
                : [];
          }
          const people = await beneficiaries.onSite(
            tx,
            found.map((f) => f.id),
          );
          if (people.length === 0) throw notExpected();
          const who = await actor(tx, staff, centerId);
          for (const person of people) {
            await audit.record(
              tx,
              {
                actor: who,
                action,
                subject: { type: 'beneficiary', id: person.referenceId },
                outcome: 'allowed',
                details: {
                  center_id: centerId,
                  by: 'appointment_id' in by ? 'appointment' : 'reference',
                },
              },
              ctx,
            );
          }
          return {
            beneficiaries: people.map((p) => {
              const appointment = found.find((f) => f.id === p.referenceId)?.appointment;
              return {
                beneficiary_reference_id: p.referenceId,
                name: maskName(p.name),
                birth_year: p.birthYear,
                gender: p.gender,
                photo_id_type: p.photoIdTypeName,
                doses_given: p.dosesGiven,
                vaccine: p.vaccine,
                appointment: appointment
                  ? {
                      appointment_id: appointment.appointment_id,
                      session_id: appointment.session_id,
                      slot: appointment.slot,
                      dose: appointment.dose,
                    }
                  : null,
              };
            }),
          };
        },
      );
    },

    /**
     * Checks the last 4 characters of the photo ID the person shows. Wrong answers are
     * recorded and limited per beneficiary and per staff member (429 beyond), so the desk
     * cannot be used to guess someone's number.
     */
    async confirmIdentity(
      staff: StaffPrincipal,
      sessionId: string,
      beneficiaryId: string,
      last4: string,
      ctx: RequestContext,
    ) {
      const action = 'vaccination.identity.confirm';
      const subject = { type: 'beneficiary', id: beneficiaryId };
      for (const [limiter, key] of [
        [wrongForBeneficiary, beneficiaryId],
        [wrongForStaff, staff.id],
      ] as const) {
        const state = await limiter.isBlocked(key);
        if (!state.allowed) {
          throw new RateLimited(
            state.retryAfterSeconds,
            'Too many wrong photo ID answers; try again later.',
            'identity-attempts-exhausted',
          );
        }
      }
      const confirmed = await decide({ actor: staffActor(staff), action, subject }, async (tx) => {
        const session = await sessionToday(tx, staff, sessionId, action);
        await expectedAt(tx, session, beneficiaryId);
        if ((await beneficiaries.onSite(tx, [beneficiaryId])).length === 0) throw notExpected();
        const matches = await beneficiaries.photoIdEndsWith(tx, beneficiaryId, last4);
        const now = clock.now();
        if (matches) {
          await store.confirmIdentity(tx, {
            session_id: sessionId,
            beneficiary_reference_id: beneficiaryId,
            by: staff.id,
            at: now,
          });
        }
        await audit.record(
          tx,
          {
            actor: await actor(tx, staff, session.center_id),
            action,
            subject,
            outcome: matches ? 'allowed' : 'denied',
            ...(matches ? {} : { reason: 'photo-id-mismatch' }),
            details: { session_id: sessionId },
          },
          ctx,
        );
        return matches;
      });
      if (!confirmed) {
        await wrongForBeneficiary.penalty(beneficiaryId);
        await wrongForStaff.penalty(staff.id);
      }
      return { confirmed };
    },

    async arrive(
      staff: StaffPrincipal,
      sessionId: string,
      beneficiaryId: string,
      ctx: RequestContext,
    ) {
      const action = 'vaccination.arrival.mark';
      const subject = { type: 'beneficiary', id: beneficiaryId };
      return decide({ actor: staffActor(staff), action, subject }, async (tx) => {
        const session = await sessionToday(tx, staff, sessionId, action);
        await expectedAt(tx, session, beneficiaryId);
        const at = await store.arrive(tx, sessionId, beneficiaryId, staff.id, clock.now());
        if (!at) {
          throw new Conflict('Confirm the photo ID first.', 'identity-not-confirmed');
        }
        await audit.record(
          tx,
          {
            actor: await actor(tx, staff, session.center_id),
            action,
            subject,
            outcome: 'allowed',
            details: { session_id: sessionId },
          },
          ctx,
        );
        return { arrived_at: at.toISOString() };
      });
    },

    /**
     * Registers someone at the centre by the online rules (4 per mobile, photo ID format and
     * uniqueness), takes a dose 1 seat under a walk-in appointment, and marks them arrived:
     * the verifier has just read the photo ID off the document.
     */
    /** The photo ID types and genders a walk-in form offers, to the centre's verifiers. */
    async walkInChoices(staff: StaffPrincipal, centerId: number) {
      const action = 'vaccination.walk-in.choices';
      return decide(
        { actor: staffActor(staff), action, subject: { type: 'centre', id: String(centerId) } },
        async (tx) => {
          await access.require(tx, staff, { roles: VERIFIERS, within: { centerId }, action });
          return {
            ...(await beneficiaries.idTypes(tx)),
            ...(await beneficiaries.genders(tx)),
          };
        },
      );
    },

    async walkIn(staff: StaffPrincipal, sessionId: string, input: WalkIn, ctx: RequestContext) {
      const action = 'vaccination.walk-in.register';
      const result = await decide(
        {
          actor: staffActor(staff),
          action,
          details: { session_id: sessionId, photo_id_type: input.photo_id_type },
        },
        async (tx) => {
          const session = await sessionToday(tx, staff, sessionId, action);
          if (!session.allow_walk_in) {
            throw new Conflict('This session does not take walk-ins.', 'walk-in-not-allowed');
          }
          const mobileRef = await citizens.ensureAccountLocked(tx, input.mobile);
          const { mobile: _mobile, ...person } = input;
          const id = await beneficiaries.registerOnSite(tx, mobileRef, person);
          await facilities.service.takeSeat(tx, sessionId, 'dose1');
          const now = clock.now();
          const appointmentId = await appointments.holdWalkIn(tx, {
            mobileRef,
            beneficiaryId: id,
            sessionId,
            slot: session.slots[0] ?? 'walk-in',
            now,
          });
          await store.confirmIdentity(tx, {
            session_id: sessionId,
            beneficiary_reference_id: id,
            by: staff.id,
            at: now,
          });
          await store.arrive(tx, sessionId, id, staff.id, now);
          await audit.record(
            tx,
            {
              actor: await actor(tx, staff, session.center_id),
              action,
              subject: { type: 'beneficiary', id },
              outcome: 'allowed',
              details: {
                session_id: sessionId,
                appointment_id: appointmentId,
                photo_id_type: input.photo_id_type,
              },
            },
            ctx,
          );
          return { beneficiary_reference_id: id, appointment_id: appointmentId };
        },
      );
      facilities.cache.invalidateSession(sessionId);
      return result;
    },
  };
}

export type VerifierService = ReturnType<typeof createVerifierService>;
