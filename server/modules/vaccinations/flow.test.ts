import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditRows } from '../../../test/helpers/staff.js';
import { type VaccinationWorld, vaccinationWorld } from '../../../test/helpers/vaccinations.js';
import { indiaDate } from '../facilities/dates.js';

let w: VaccinationWorld;
beforeAll(async () => {
  w = await vaccinationWorld('98451');
});
afterAll(() => w.close());

const DAY = 86_400_000;

const seats = async (sessionId: string) =>
  w.t.database.db
    .selectFrom('vaccination_sessions')
    .select(['available_dose1', 'available_dose2'])
    .where('session_id', '=', sessionId)
    .executeTakeFirstOrThrow();

describe('book -> verify -> vaccinate -> certificate -> verify, over HTTP', () => {
  it('records dose 1 with a provisional certificate, refuses dose 2 too early, gives the final one after the interval', async () => {
    const today = await w.session(w.centreA);
    const day30 = await w.session(w.centreA, 30, { allow_walk_in: true });
    const day85 = await w.session(w.centreA, 85);
    const covaxin85 = await w.session(w.centreA, 85, { vaccine: 'COVAXIN', allow_walk_in: true });
    const { token, ids } = await w.citizen(1);
    const ref = ids[0] ?? '';
    const booked = await w.book(token, today, [ref]);
    expect(booked.statusCode).toBe(200);
    const appointmentId = booked.json<{ appointment_confirmation_no: string }>()
      .appointment_confirmation_no;
    const seatsBooked = await seats(today);

    // Verifier: the day's list (masked), find, identity, arrival.
    const list = await w.today(w.verifier, w.centreA);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      date: indiaDate(w.clock.now()),
      appointments: [
        {
          appointment_id: appointmentId,
          beneficiary_reference_id: ref,
          name: 'T*** P*****',
          dose: 1,
          status: 'booked',
        },
      ],
    });
    for (const query of [`reference_id=${ref}`, `appointment_id=${appointmentId}`]) {
      const found = await w.find(w.verifier, w.centreA, query);
      expect(found.statusCode).toBe(200);
      expect(found.json()).toEqual({
        beneficiaries: [
          {
            beneficiary_reference_id: ref,
            name: 'T*** P*****',
            birth_year: 1980,
            gender: 'Female',
            photo_id_type: 'Voter ID',
            doses_given: 0,
            vaccine: null,
            appointment: {
              appointment_id: appointmentId,
              session_id: today,
              slot: '09:00AM-11:00AM',
              dose: 1,
            },
          },
        ],
      });
    }
    const last4 = await w.last4(ref);
    const wrong = last4 === '0000' ? '0001' : '0000';
    expect((await w.identity(w.verifier, today, ref, wrong)).json()).toEqual({ confirmed: false });
    expect((await w.arrive(w.verifier, today, ref)).json<{ code: string }>().code).toBe(
      'identity-not-confirmed',
    );
    expect((await w.identity(w.verifier, today, ref, last4)).json()).toEqual({ confirmed: true });
    expect((await w.arrive(w.verifier, today, ref)).statusCode).toBe(200);
    const arrived = await w.today(w.verifier, w.centreA);
    expect(arrived.json<{ appointments: { status: string }[] }>().appointments[0]?.status).toBe(
      'arrived',
    );

    // Vaccinator: dose 1.
    const first = await w.dose(w.vaccinator, w.doseBody(today, ref, 1));
    expect(first.statusCode).toBe(200);
    const answer = first.json<{
      dose_id: string;
      certificate_id: string;
      certificate_kind: string;
      appointment_id: string;
    }>();
    expect(answer).toMatchObject({
      certificate_kind: 'provisional',
      appointment_id: appointmentId,
      dose: 1,
    });
    const certificate = await w.certificates.getCertificateForBeneficiary(w.t.database.db, ref);
    expect(certificate?.certificateId).toBe(answer.certificate_id);
    expect(certificate?.credential.evidence[0]).toMatchObject({
      vaccine: 'COVISHIELD',
      batch: '4121Z025',
      dose: 1,
      totalDoses: 2,
      verifier: { name: 'vax.a' },
      facility: { address: { district: 'BBMP', addressRegion: 'Karnataka' } },
    });
    expect(certificate?.credential.credentialSubject).toMatchObject({
      name: 'Test Person',
      yearOfBirth: '1980',
      photoId: { idType: 'Voter ID', maskedNumber: `XXXXXX${last4}` },
    });
    expect(await w.verify(certificate?.qrText ?? '')).toMatchObject({
      status: 'valid',
      certificate: { name: 'Test Person', dose: 1, total_doses: 2, vaccine: 'COVISHIELD' },
    });
    // The booked seat was used: no second seat is taken; the appointment is completed.
    expect(await seats(today)).toEqual(seatsBooked);
    const closed = await w.t.database.db
      .selectFrom('appointments')
      .select('status')
      .where('appointment_id', '=', appointmentId)
      .executeTakeFirstOrThrow();
    expect(closed.status).toBe('completed');
    const done = await w.today(w.verifier, w.centreA);
    expect(done.json<{ appointments: { status: string }[] }>().appointments[0]?.status).toBe(
      'completed',
    );

    // Day 30: a walk-in session; the rules of data/vaccines.json say 84 days for COVISHIELD.
    w.clock.advance(30 * DAY);
    const verifier30 = await w.relogin(w.verifier);
    const vaccinator30 = await w.relogin(w.vaccinator);
    w.remember(ref, await w.login('9845110000'));
    await w.checkIn(day30, ref, verifier30);
    const before = { doses: await w.count('doses'), certificates: await w.count('certificates') };
    const early = await w.dose(vaccinator30, w.doseBody(day30, ref, 2));
    expect(early.statusCode).toBe(409);
    expect(early.json<{ code: string }>().code).toBe('dose-too-early');
    expect({ doses: await w.count('doses'), certificates: await w.count('certificates') }).toEqual(
      before,
    );

    // Day 85: another vaccine than dose 1 is refused; booked through the citizen API, the
    // final certificate.
    w.clock.advance(55 * DAY);
    const citizen85 = await w.login('9845110000');
    w.remember(ref, citizen85);
    await w.checkIn(covaxin85, ref, await w.relogin(w.verifier));
    const mismatch = await w.dose(
      await w.relogin(w.vaccinator),
      w.doseBody(covaxin85, ref, 2, { vaccine: 'COVAXIN' }),
    );
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json<{ code: string }>().code).toBe('vaccine-mismatch');
    expect({ doses: await w.count('doses'), certificates: await w.count('certificates') }).toEqual(
      before,
    );
    expect((await w.book(citizen85, day85, [ref], 2)).statusCode).toBe(200);
    const verifier85 = await w.relogin(w.verifier);
    const vaccinator85 = await w.relogin(w.vaccinator);
    await w.checkIn(day85, ref, verifier85);
    const second = await w.dose(vaccinator85, w.doseBody(day85, ref, 2));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ certificate_kind: 'final', dose: 2 });
    const final = await w.certificates.getCertificateForBeneficiary(w.t.database.db, ref);
    expect(await w.verify(final?.qrText ?? '')).toMatchObject({
      status: 'valid',
      certificate: { dose: 2, total_doses: 2, vaccine: 'COVISHIELD' },
    });
    // The citizen's own list now says so.
    const mine = await w.t.app.inject({
      url: '/api/v2/appointment/beneficiaries',
      headers: w.bearer(citizen85),
    });
    expect(mine.json()).toMatchObject({
      beneficiaries: [{ vaccination_status: 'Vaccinated', vaccine: 'COVISHIELD' }],
    });

    // Every step is in the audit trail against the beneficiary, with no personal data.
    for (const action of [
      'vaccination.beneficiary.find',
      'vaccination.identity.confirm',
      'vaccination.arrival.mark',
      'vaccination.dose.record',
      'certificate.issue',
    ]) {
      const rows = (await auditRows(w.t.database.db, action)).filter((r) => r.subject_id === ref);
      expect(rows.length, action).toBeGreaterThan(0);
    }
    const doseRows = (await auditRows(w.t.database.db, 'vaccination.dose.record')).filter(
      (r) => r.outcome === 'allowed' && r.subject_id === ref,
    );
    expect(doseRows).toHaveLength(2);
    expect(doseRows[0]).toMatchObject({ actor_type: 'staff', actor_id: w.vaccinator.id });
    const all = JSON.stringify(await w.t.database.db.selectFrom('audit_log').selectAll().execute());
    expect(all).not.toContain('Test Person');
    expect(all).not.toMatch(/[A-Z]{3}1\d{6}/); // the voter ID numbers of the test citizens
    expect(all).not.toContain('98451');
  });
});
