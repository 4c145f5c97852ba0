import type { App } from '../../server/http/app.js';
import { bearer, login, mobileSequence, type SmsOutbox } from './citizen.js';

/** Citizens with beneficiaries, made over HTTP through the real OTP login and registration. */
export function givenCitizens(app: App, outbox: SmsOutbox, mobilePrefix: string) {
  const nextMobile = mobileSequence(mobilePrefix);
  // Photo IDs are unique per database: letters from the prefix keep two helpers apart.
  const letters = mobilePrefix.slice(-3).replace(/\d/g, (d) => 'ABCDEFGHIJ'.charAt(Number(d)));
  let voter = 0;
  return {
    /** A logged-in citizen with `count` beneficiaries born in `birthYear`. */
    async citizen(count: number, birthYear = 1980) {
      const token = await login(app, outbox, nextMobile());
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const registered = await app.inject({
          method: 'POST',
          url: '/api/v2/registration/beneficiary/new',
          headers: bearer(token),
          payload: {
            name: 'Test Person',
            birth_year: String(birthYear),
            gender_id: 2,
            photo_id_type: 12,
            photo_id_number: `${letters}${String(1_000_000 + voter++)}`,
            comorbidity_ind: 'N',
            consent_version: 'V1',
          },
        });
        if (registered.statusCode !== 200) {
          throw new Error(`registration answered ${registered.statusCode}: ${registered.body}`);
        }
        ids.push(registered.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id);
      }
      return { token, ids };
    },
  };
}

export const schedule = (
  app: App,
  token: string,
  body: { dose: number; session_id: string; slot: string; beneficiaries: readonly string[] },
) =>
  app.inject({
    method: 'POST',
    url: '/api/v2/appointment/schedule',
    headers: bearer(token),
    payload: body,
  });

export const reschedule = (
  app: App,
  token: string,
  body: { appointment_id: string; session_id: string; slot: string },
) =>
  app.inject({
    method: 'POST',
    url: '/api/v2/appointment/reschedule',
    headers: bearer(token),
    payload: body,
  });

export const cancel = (
  app: App,
  token: string,
  body: { appointment_id: string; beneficiariesToCancel: string[] },
) =>
  app.inject({
    method: 'POST',
    url: '/api/v2/appointment/cancel',
    headers: bearer(token),
    payload: body,
  });
