import type { TFunction } from 'i18next';

import { ApiError, type CalendarSession, getJson } from '../../api';
import { staffPost } from '../api';

/** One appointment on a centre's list of the day; the name comes masked from the server. */
export interface DayAppointment {
  appointment_id: string;
  beneficiary_reference_id: string;
  name: string;
  session_id: string;
  slot: string;
  dose: number;
  status: 'booked' | 'arrived' | 'completed';
}

/** A person expected at the centre today: never the photo ID number, only its type. */
export interface Expected {
  beneficiary_reference_id: string;
  name: string;
  birth_year: number;
  gender: string;
  photo_id_type: string;
  doses_given: number;
  vaccine: string | null;
  appointment: { appointment_id: string; session_id: string; slot: string; dose: number } | null;
}

export interface RecordedDose {
  dose_id: string;
  beneficiary_reference_id: string;
  dose: number;
  vaccine: string;
  session_id: string;
  certificate_id: string;
  certificate_kind: 'provisional' | 'final' | 'precaution';
  vaccinated_at: string;
}

export interface DoseInput {
  session_id: string;
  beneficiary_reference_id: string;
  vaccine: string;
  batch: string;
  dose: number;
  vaccinated_at: string;
}

/** A person registered on site: the walk-in API's body. */
export interface WalkInInput {
  name: string;
  birth_year: string;
  gender_id: number;
  photo_id_type: number;
  photo_id_number: string;
  mobile: string;
}

const DESK = '/api/v1/vaccinations';

export const deskApi = {
  today: (centre: number) =>
    getJson<{ date: string; appointments: DayAppointment[] }>(
      `${DESK}/centres/${centre}/appointments`,
    ),
  find: (centre: number, by: 'reference_id' | 'appointment_id', value: string) =>
    getJson<{ beneficiaries: Expected[] }>(
      `${DESK}/centres/${centre}/beneficiaries?${new URLSearchParams({ [by]: value }).toString()}`,
    ).then((r) => r.beneficiaries),
  identity: (session: string, ref: string, last4: string) =>
    staffPost<{ confirmed: boolean }>(`${DESK}/sessions/${session}/identity`, {
      beneficiary_reference_id: ref,
      photo_id_last4: last4,
    }),
  arrive: (session: string, ref: string) =>
    staffPost<{ arrived_at: string }>(`${DESK}/sessions/${session}/arrivals`, {
      beneficiary_reference_id: ref,
    }),
  walkInChoices: (centre: number) =>
    getJson<{ types: { id: string; type: string }[]; genders: { id: number; gender: string }[] }>(
      `${DESK}/centres/${centre}/walk-in-choices`,
    ),
  /** Registers, confirms and marks arrived in one step, taking a dose 1 seat. */
  walkIn: (session: string, body: WalkInInput) =>
    staffPost<{ beneficiary_reference_id: string; appointment_id: string }>(
      `${DESK}/sessions/${session}/walk-ins`,
      body,
    ),
  /** One submission of the dose form: the same key for the same submission records once. */
  recordDose: (body: DoseInput, idempotencyKey: string) =>
    staffPost<RecordedDose>(`${DESK}/doses`, body, {
      headers: { 'idempotency-key': idempotencyKey },
    }),
  /** Today's sessions at a centre, from the public calendar (DD-MM-YYYY). */
  sessionsOn: async (centre: number, date: string) => {
    const found = await getJson<{ centers?: { sessions: CalendarSession[] } }>(
      `/api/v2/appointment/sessions/public/calendarByCenter?${new URLSearchParams({ center_id: String(centre), date }).toString()}`,
    );
    return (found.centers?.sessions ?? []).filter((s) => s.date === date);
  },
};

/** The plain-word message for a refused desk call, by the server's problem code. */
export function deskProblem(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    return t(`desk.problems.${error.code}`, { defaultValue: t('desk.problems.other') });
  }
  return t('desk.problems.offline');
}

/** Today in India as DD-MM-YYYY, the calendar's format. */
export function indiaToday(now = new Date()): string {
  const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' })
    .format(now)
    .split('-');
  return `${day}-${month}-${year}`;
}
