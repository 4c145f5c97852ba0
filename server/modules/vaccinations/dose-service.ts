import { createHash, randomUUID } from 'node:crypto';

import type { Db } from '../../db/index.js';
import { Conflict, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { RecordedMetrics } from '../../platform/metrics.js';
import type { AtCentreAppointments } from '../appointments/at-centre.js';
import { checkEligible } from '../appointments/rules.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import { jcs } from '../certificates/proof-input.js';
import type { CertificateService } from '../certificates/service.js';
import { indiaDate } from '../facilities/dates.js';
import type { FacilitiesModule } from '../facilities/module.js';
import type { SeatPool } from '../facilities/store.js';
import { type Access, staffActor, type StaffPrincipal } from '../staff/access.js';
import { ageBand } from './age-band.js';
import { type Decide, VACCINATORS } from './common.js';
import { certificateIssued, doseRecorded, type VaccinationOutbox } from './events.js';
import type { DoseInput } from './schemas.js';
import type { VaccinationReads, VaccinationStore } from './store.js';
import type { DoseAnswer } from './tables.js';

const POOL: Record<number, SeatPool> = { 1: 'dose1', 2: 'dose2', 3: 'precaution' };
const poolOf = (dose: number): SeatPool => POOL[dose] ?? 'precaution';
/** A device clock a few minutes ahead is no reason to refuse a dose given just now. */
const CLOCK_SKEW_MS = 5 * 60_000;

export const hashOf = (body: DoseInput) =>
  createHash('sha256').update(jcs(body)).digest('base64url');

/**
 * Recording a dose: in one transaction the Idempotency-Key is claimed, the rules checked,
 * the appointment closed, the seat counted, the certificate issued, the record audited and
 * its events (`dose.recorded`, `certificate.issued`) written; the answer is stored under the
 * key for retries.
 */
export function createDoseService({
  decide,
  store,
  reads,
  audit,
  clock,
  access,
  facilities,
  beneficiaries,
  appointments,
  certificates,
  usernameOf,
  outbox,
  recorded,
}: {
  decide: Decide;
  store: VaccinationStore;
  reads: VaccinationReads;
  audit: AuditService;
  clock: Clock;
  access: Access;
  facilities: Pick<FacilitiesModule, 'service' | 'cache'>;
  beneficiaries: BeneficiaryService;
  appointments: AtCentreAppointments;
  certificates: CertificateService;
  usernameOf: (tx: Db, staffId: string) => Promise<string | undefined>;
  outbox: VaccinationOutbox;
  recorded: Pick<RecordedMetrics, 'doses' | 'certificates'>;
}) {
  async function recordIn(
    tx: Db,
    staff: StaffPrincipal,
    key: string,
    input: DoseInput,
    ctx: RequestContext,
  ): Promise<{ answer: DoseAnswer; replayed: boolean; sessions: string[] }> {
    const session = await facilities.service.getSession(tx, input.session_id);
    await access.require(tx, staff, {
      roles: VACCINATORS,
      within: { centerId: session.center_id },
      action: 'vaccination.dose.record',
    });
    const now = clock.now();
    const vaccinatedAt = new Date(input.vaccinated_at);
    const doseId = randomUUID();
    const requestHash = hashOf(input);
    const pending: DoseAnswer = {
      dose_id: doseId,
      beneficiary_reference_id: input.beneficiary_reference_id,
      dose: input.dose,
      vaccine: input.vaccine,
      session_id: input.session_id,
      appointment_id: null,
      certificate_id: '',
      certificate_kind: 'provisional',
      vaccinated_at: vaccinatedAt.toISOString(),
    };
    const claimed = await store.claimKey(
      tx,
      { staff_id: staff.id, idempotency_key: key, request_hash: requestHash, created_at: now },
      pending,
    );
    if (!claimed) {
      const earlier = await store.keyed(tx, staff.id, key);
      if (!earlier || earlier.request_hash !== requestHash) {
        throw new Conflict(
          'This Idempotency-Key was used for a different request; use a new key.',
          'idempotency-key-reused',
        );
      }
      return { answer: earlier.response, replayed: true, sessions: [] };
    }

    if (indiaDate(vaccinatedAt) !== session.date) {
      throw new Conflict('vaccinated_at is not on the session’s date.', 'outside-session-date');
    }
    if (vaccinatedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      throw new Conflict('vaccinated_at is in the future.', 'vaccinated-in-future');
    }
    if (input.vaccine !== session.vaccine) {
      throw new Conflict('This session gives another vaccine.', 'vaccine-not-in-session');
    }
    const vaccine = await reads.vaccine(tx, session.vaccine);
    if (!vaccine) throw new Conflict('This session’s vaccine is not known.', 'unknown-vaccine');
    // Locks the person: two doses for one person (any keys, any nodes) queue here.
    const [person] = await beneficiaries.onSite(tx, [input.beneficiary_reference_id], {
      lock: true,
    });
    if (!person) throw new NotFound('There is no such beneficiary.', 'beneficiary-not-found');
    const [arrival] = await store.arrivals(tx, [session.session_id], [person.referenceId]);
    if (!arrival?.arrived_at) {
      throw new Conflict('Mark the beneficiary arrived at this session first.', 'not-arrived');
    }
    checkEligible(
      {
        birth_year: person.birthYear,
        doses_given: person.dosesGiven,
        vaccine: person.vaccine,
        dose1_date: person.dose1Date,
        dose2_date: person.dose2Date,
      },
      input.dose as 1 | 2 | 3,
      session,
      vaccine,
      await reads.programme(tx),
    );

    // A booked seat is used; an appointment elsewhere gives its seat back and this
    // session's walk-in rule applies.
    const sessions = [session.session_id];
    const closed = await appointments.complete(tx, person.referenceId, now);
    if (closed?.session_id !== session.session_id) {
      if (closed) {
        await facilities.service.giveSeatBack(tx, closed.session_id, poolOf(closed.dose));
        sessions.push(closed.session_id);
      }
      if (!session.allow_walk_in) {
        throw new Conflict('This session takes booked beneficiaries only.', 'walk-in-not-allowed');
      }
      await facilities.service.takeSeat(tx, session.session_id, poolOf(input.dose));
    }

    const centre = await reads.centre(tx, session.center_id);
    if (!centre) throw new NotFound('There is no such centre.', 'unknown-centre');
    const kind =
      input.dose < vaccine.primary_doses
        ? ('provisional' as const)
        : input.dose === vaccine.primary_doses
          ? ('final' as const)
          : ('precaution' as const);
    const actor = { ...staffActor(staff), organisation: centre.name };
    const certificate = await certificates.issueCertificate(
      tx,
      {
        kind,
        beneficiaryReferenceId: person.referenceId,
        name: person.name,
        yearOfBirth: person.birthYear,
        gender: person.gender,
        photoId: { type: person.photoIdTypeName, maskedNumber: person.maskedPhotoId },
        vaccine: vaccine.code,
        manufacturer: vaccine.manufacturer,
        batch: input.batch.toUpperCase(),
        dose: input.dose,
        // A precaution dose is "dose 3 of 3" on the certificate, as CoWIN printed it.
        totalDoses: kind === 'precaution' ? input.dose : vaccine.primary_doses,
        vaccinatedAt,
        centre: { name: centre.name, district: centre.district_name, state: centre.state_name },
        vaccinator: (await usernameOf(tx, staff.id)) ?? staff.id,
      },
      { actor, context: ctx },
    );
    await store.insertDose(tx, {
      dose_id: doseId,
      beneficiary_reference_id: person.referenceId,
      dose: input.dose,
      vaccine: vaccine.code,
      batch: input.batch.toUpperCase(),
      vaccinated_at: vaccinatedAt,
      session_id: session.session_id,
      center_id: session.center_id,
      vaccinator_id: staff.id,
      appointment_id: closed?.appointment_id ?? null,
      certificate_id: certificate.certificateId,
      age_band: ageBand(person.birthYear, vaccinatedAt),
      recorded_at: now,
    });
    await beneficiaries.recordDose(
      tx,
      person.referenceId,
      input.dose,
      vaccine.code,
      indiaDate(vaccinatedAt),
    );
    const answer: DoseAnswer = {
      ...pending,
      appointment_id: closed?.appointment_id ?? null,
      certificate_id: certificate.certificateId,
      certificate_kind: kind,
    };
    await audit.record(
      tx,
      {
        actor,
        action: 'vaccination.dose.record',
        subject: { type: 'beneficiary', id: person.referenceId },
        outcome: 'allowed',
        details: {
          dose_id: doseId,
          dose: input.dose,
          vaccine: vaccine.code,
          session_id: session.session_id,
          center_id: session.center_id,
          certificate_id: certificate.certificateId,
        },
      },
      ctx,
    );
    await doseRecorded(outbox, tx, {
      dose_id: doseId,
      beneficiary_reference_id: person.referenceId,
      session_id: session.session_id,
      center_id: session.center_id,
      certificate_id: certificate.certificateId,
    });
    await certificateIssued(outbox, tx, {
      certificate_id: certificate.certificateId,
      beneficiary_reference_id: person.referenceId,
      reason: 'dose',
      replaces: null,
    });
    await store.answerKey(tx, staff.id, key, answer);
    return { answer, replayed: false, sessions };
  }

  return {
    /** Records a dose once per Idempotency-Key; a replay returns the first answer. */
    async record(staff: StaffPrincipal, key: string, input: DoseInput, ctx: RequestContext) {
      const result = await decide(
        {
          actor: staffActor(staff),
          action: 'vaccination.dose.record',
          subject: { type: 'beneficiary', id: input.beneficiary_reference_id },
          details: { session_id: input.session_id, dose: input.dose },
        },
        (tx) => recordIn(tx, staff, key, input, ctx),
      );
      for (const sessionId of result.sessions) facilities.cache.invalidateSession(sessionId);
      if (!result.replayed) {
        recorded.doses.inc({ dose: input.dose });
        recorded.certificates.inc({ reason: 'dose' });
      }
      return { answer: result.answer, replayed: result.replayed };
    },
  };
}

export type DoseService = ReturnType<typeof createDoseService>;
