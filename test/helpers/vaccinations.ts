import { randomBytes, randomUUID } from 'node:crypto';

import { loadConfig } from '../../server/config.js';
import { createKeyRing, parseMasterKeys } from '../../server/crypto/keys.js';
import { createCertificateModule } from '../../server/modules/certificates/module.js';
import { indiaDate } from '../../server/modules/facilities/dates.js';
import type { NewSessionInput } from '../../server/modules/facilities/schemas.js';
import { manualClock } from '../../server/platform/clock.js';
import { createLimits } from '../../server/platform/limits.js';
import { givenCitizens, schedule } from './appointments.js';
import { bearer, type CitizenTestApp, citizenTestApp, login } from './citizen.js';
import { givenFacilities } from './facilities.js';
import { type Session, staffClient, type TestClock, totp } from './staff.js';

/** 09:30 in India on a Monday: sessions created "today" are open. */
export const START = new Date('2026-03-02T04:00:00Z');
export const SLOT = '09:00AM-11:00AM';

/**
 * A world for the at-centre tests: two centres in two districts, their staff, sessions
 * made through the real facilities service, and a certificate service on the app's keys
 * (to read a beneficiary's certificate the way the download endpoints will).
 */
export async function vaccinationWorld(mobilePrefix: string, env: Record<string, string> = {}) {
  const masterKey = `test:${randomBytes(32).toString('base64')}`;
  const clock: TestClock = manualClock(START);
  const t: CitizenTestApp = await citizenTestApp(
    { ...env, TEEKA_MASTER_KEY: masterKey },
    { clock },
  );
  const staff = staffClient(t, clock);
  const national = await staff.nationalAdmin();
  const bbmp = await staff.member(national, 'bbmp.admin', [
    { role: 'district-admin', district_id: 294 },
  ]);
  const urban = await staff.member(national, 'urban.admin', [
    { role: 'district-admin', district_id: 265 },
  ]);
  const facilities = givenFacilities(t.database.db, t.app.facilities.service);
  const centreA = await facilities.centre({ district_id: 294 });
  const centreB = await facilities.centre({ district_id: 265, pincode: 562157 });
  const verifier = await staff.member(bbmp, 'verifier.a', [
    { role: 'verifier', center_id: centreA },
  ]);
  const vaccinator = await staff.member(bbmp, 'vax.a', [
    { role: 'vaccinator', center_id: centreA },
  ]);
  const verifierB = await staff.member(urban, 'verifier.b', [
    { role: 'verifier', center_id: centreB },
  ]);
  const vaccinatorB = await staff.member(urban, 'vax.b', [
    { role: 'vaccinator', center_id: centreB },
  ]);
  const limits = createLimits({});
  const certificates = createCertificateModule({
    db: t.database.db,
    limits,
    clock,
    keys: createKeyRing(parseMasterKeys(masterKey, 'TEEKA_MASTER_KEY')),
    config: loadConfig({ NODE_ENV: 'test' }),
  }).service;

  const inject = (
    method: 'GET' | 'POST',
    url: string,
    by: Session,
    payload?: object,
    headers: Record<string, string> = {},
  ) =>
    t.app.inject({
      method,
      url,
      headers: { ...by.headers, ...headers },
      ...(payload ? { payload: payload as Record<string, unknown> } : {}),
    });

  const world = {
    t,
    /** The app's TEEKA_MASTER_KEY: a second app on the same database reads what it wrote. */
    masterKey,
    clock,
    staff,
    national,
    bbmp,
    urban,
    centreA,
    centreB,
    verifier,
    vaccinator,
    verifierB,
    vaccinatorB,
    certificates,
    citizens: givenCitizens(t.app, t.outbox, mobilePrefix),
    /** A session at `centre`, `days` from today (India), COVISHIELD unless told. */
    session: (centre: number, days = 0, fields: Partial<NewSessionInput> = {}) =>
      facilities.session(centre, indiaDate(clock.now(), days), fields),
    book: (token: string, sessionId: string, ids: string[], dose = 1) =>
      schedule(t.app, token, { dose, session_id: sessionId, slot: SLOT, beneficiaries: ids }),
    login: (mobile: string) => login(t.app, t.outbox, mobile),
    bearer,
    today: (by: Session, centre: number, date?: string) =>
      inject(
        'GET',
        `/api/v1/vaccinations/centres/${centre}/appointments${date ? `?date=${date}` : ''}`,
        by,
      ),
    find: (by: Session, centre: number, query: string) =>
      inject('GET', `/api/v1/vaccinations/centres/${centre}/beneficiaries?${query}`, by),
    identity: (by: Session, sessionId: string, ref: string, last4: string) =>
      inject('POST', `/api/v1/vaccinations/sessions/${sessionId}/identity`, by, {
        beneficiary_reference_id: ref,
        photo_id_last4: last4,
      }),
    arrive: (by: Session, sessionId: string, ref: string) =>
      inject('POST', `/api/v1/vaccinations/sessions/${sessionId}/arrivals`, by, {
        beneficiary_reference_id: ref,
      }),
    walkIn: (by: Session, sessionId: string, body: object) =>
      inject('POST', `/api/v1/vaccinations/sessions/${sessionId}/walk-ins`, by, body),
    /** `key` null sends no Idempotency-Key at all. */
    dose: (by: Session, body: object, key: string | null = randomUUID()) =>
      inject(
        'POST',
        '/api/v1/vaccinations/doses',
        by,
        body,
        key === null ? {} : { 'idempotency-key': key },
      ),
    /** The body of a dose given now at `sessionId`. */
    doseBody: (sessionId: string, ref: string, dose = 1, fields: object = {}) => ({
      session_id: sessionId,
      beneficiary_reference_id: ref,
      vaccine: 'COVISHIELD',
      batch: '4121Z025',
      dose,
      vaccinated_at: clock.now().toISOString(),
      ...fields,
    }),
    /** Identity confirmed (the last 4 of the test voter ID) and arrival marked. */
    async checkIn(sessionId: string, ref: string, by: Session = verifier) {
      const last4 = await world.last4(ref);
      const confirmed = await world.identity(by, sessionId, ref, last4);
      if (!confirmed.json<{ confirmed: boolean }>().confirmed) {
        throw new Error(`identity: ${confirmed.body}`);
      }
      const arrived = await world.arrive(by, sessionId, ref);
      if (arrived.statusCode !== 200) throw new Error(`arrival: ${arrived.body}`);
    },
    /** The last 4 characters of a beneficiary's photo ID, read as the citizen sees it. */
    async last4(ref: string) {
      const token = tokens.get(ref);
      if (!token) throw new Error('unknown test beneficiary');
      const list = await t.app.inject({
        url: '/api/v2/appointment/beneficiaries',
        headers: bearer(token),
      });
      const found = list
        .json<{ beneficiaries: { beneficiary_reference_id: string; photo_id_number: string }[] }>()
        .beneficiaries.find((b) => b.beneficiary_reference_id === ref);
      return (found?.photo_id_number ?? '').slice(-4);
    },
    /** A citizen with `count` beneficiaries; their token is remembered for `last4`. */
    async citizen(count = 1, birthYear = 1980) {
      const made = await world.citizens.citizen(count, birthYear);
      for (const id of made.ids) tokens.set(id, made.token);
      return made;
    },
    /** Renews a token (citizen tokens live 15 minutes; the tests travel in time). */
    remember(ref: string, token: string) {
      tokens.set(ref, token);
    },
    /** Signs a staff member in again (after time travel ended their session). */
    relogin: (who: Session) => staff.login(who.username, who.password, who.secret),
    /** A fresh second factor for the session (step-up). */
    async stepUp(who: Session) {
      clock.advance(30_000);
      const response = await staff.post(
        '/api/v1/staff/auth/step-up',
        { code: totp(who.secret, clock) },
        who.headers,
      );
      if (response.statusCode !== 200) throw new Error(`step-up: ${response.body}`);
    },
    /**
     * A correction asked by the citizen and approved by the district admin (step-up first),
     * both over HTTP: the certificate is re-issued and the old one revoked as "corrected".
     */
    async approvedCorrection(token: string, ref: string, fields: object) {
      const asked = await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/corrections',
        headers: bearer(token),
        payload: { beneficiary_reference_id: ref, reason: 'Misspelt at registration', ...fields },
      });
      if (asked.statusCode !== 201) throw new Error(`correction: ${asked.body}`);
      const admin = await world.relogin(bbmp);
      await world.stepUp(admin);
      const { request_id: requestId } = asked.json<{ request_id: string }>();
      const approved = await inject(
        'POST',
        `/api/v1/vaccinations/corrections/${requestId}/approve`,
        admin,
      );
      if (approved.statusCode !== 200) throw new Error(`approval: ${approved.body}`);
      return approved.json<{ new_certificate_id: string; revoked_certificate_id: string }>();
    },
    async verify(qr: string) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/certificates/verify',
        payload: { qr },
      });
      return response.json<{
        status: string;
        reason: string;
        certificate?: { name: string; dose: number; total_doses: number; vaccine: string };
      }>();
    },
    async count(table: 'doses' | 'certificates' | 'aefi_reports' | 'correction_requests') {
      const row = await t.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return row.n;
    },
    async close() {
      await limits.close();
      await t.close();
    },
  };
  const tokens = new Map<string, string>();
  return world;
}

export type VaccinationWorld = Awaited<ReturnType<typeof vaccinationWorld>>;
