import { useQuery } from '@tanstack/react-query';
import { type SelectHTMLAttributes, useId } from 'react';
import { useTranslation } from 'react-i18next';

import type { CalendarSession } from '../../api';
import { deskApi, indiaToday } from './api';

/** A labelled select over value/label pairs: the desks' one drop-down. */
export function SelectField({
  label,
  options,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  options: { value: string; label: string }[];
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The choice of one of today's sessions at a centre, by vaccine, age and free seats. */
export function SessionField({
  sessions,
  value,
  onChange,
}: {
  sessions: CalendarSession[];
  value: string;
  onChange: (sessionId: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <SelectField
      label={t('desk.vaccinator.session')}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      options={sessions.map((s) => ({
        value: s.session_id,
        label: t('desk.vaccinator.sessionText', {
          vaccine: s.vaccine,
          age: s.min_age_limit,
          seats: s.available_capacity,
        }),
      }))}
    />
  );
}

/** Today's sessions at a centre, shared by the desks of that centre on the page. */
export function useTodaySessions(centre: number) {
  return useQuery({
    queryKey: ['desk', 'sessions', centre],
    queryFn: () => deskApi.sessionsOn(centre, indiaToday()),
    retry: false,
  });
}
