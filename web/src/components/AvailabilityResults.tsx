import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api, ApiError, type CalendarCentre } from '../api';
import {
  addDays,
  cowinDate,
  filterCentres,
  type Filters,
  NO_FILTERS,
  vaccinesIn,
  week,
} from '../availability';

export type AvailabilityQuery =
  | { kind: 'pin'; pincode: string; from: string }
  | { kind: 'district'; districtId: number; from: string }
  | { kind: 'centre'; centreId: number; from: string };

export function errorKey(error: unknown): string {
  if (error instanceof ApiError && error.status === 429) return 'search.errors.rateLimited';
  if (!navigator.onLine) return 'search.errors.offline';
  return 'search.error';
}

export function AvailabilityResults({
  query,
  today,
  onWeek,
}: {
  query: AvailabilityQuery;
  today: string;
  onWeek: (from: string) => void;
}) {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const calendar = useQuery({
    queryKey: ['calendar', query],
    queryFn: () =>
      query.kind === 'pin'
        ? api.calendarByPin(query.pincode, cowinDate(query.from))
        : query.kind === 'district'
          ? api.calendarByDistrict(query.districtId, cowinDate(query.from))
          : api.calendarByCenter(query.centreId, cowinDate(query.from)),
  });
  const days = week(query.from);

  return (
    <section aria-labelledby="results-title" className="results">
      <h2 id="results-title">{t('search.results')}</h2>
      <div className="week-nav">
        <button
          type="button"
          disabled={query.from <= today}
          onClick={() => onWeek(addDays(query.from, -7))}
        >
          {t('search.earlier')}
        </button>
        <button type="button" onClick={() => onWeek(addDays(query.from, 7))}>
          {t('search.later')}
        </button>
      </div>
      {calendar.isPending && <p role="status">{t('search.searching')}</p>}
      {calendar.isError && (
        <div role="alert" className="result invalid">
          <p>{t(errorKey(calendar.error))}</p>
          <button type="button" onClick={() => void calendar.refetch()}>
            {t('search.retry')}
          </button>
        </div>
      )}
      {calendar.data && calendar.data.length === 0 && (
        <p role="status" data-testid="no-centres">
          {t(query.kind === 'centre' ? 'nearMe.noSessions' : 'search.noCentres')}
        </p>
      )}
      {calendar.data && calendar.data.length > 0 && (
        <Filtered centres={calendar.data} days={days} filters={filters} onFilters={setFilters} />
      )}
    </section>
  );
}

function Filtered({
  centres,
  days,
  filters,
  onFilters,
}: {
  centres: CalendarCentre[];
  days: string[];
  filters: Filters;
  onFilters: (filters: Filters) => void;
}) {
  const { t } = useTranslation();
  const kept = filterCentres(centres, filters);
  return (
    <>
      <FilterBar vaccines={vaccinesIn(centres)} filters={filters} onFilters={onFilters} />
      <p role="status" className="hint">
        {t('search.centresCount', { count: kept.length })}
      </p>
      {kept.length === 0 ? (
        <div data-testid="no-matches">
          <p>{t('search.noMatches')}</p>
          <button type="button" onClick={() => onFilters(NO_FILTERS)}>
            {t('search.clearFilters')}
          </button>
        </div>
      ) : (
        <ul className="centres">
          {kept.map((centre) => (
            <CentreCard key={centre.center_id} centre={centre} days={days} />
          ))}
        </ul>
      )}
    </>
  );
}

function FilterBar({
  vaccines,
  filters,
  onFilters,
}: {
  vaccines: string[];
  filters: Filters;
  onFilters: (filters: Filters) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const options: { key: keyof Filters; values: string[]; label: (v: string) => string }[] = [
    { key: 'age', values: ['any', '18', '45'], label: (v) => t(`search.filter.age_${v}`) },
    {
      key: 'vaccine',
      values: ['any', ...vaccines],
      label: (v) => (v === 'any' ? t('search.filter.anyVaccine') : v),
    },
    { key: 'dose', values: ['any', '1', '2'], label: (v) => t(`search.filter.dose_${v}`) },
    { key: 'fee', values: ['any', 'Free', 'Paid'], label: (v) => t(`search.filter.fee_${v}`) },
  ];
  return (
    <fieldset className="filters">
      <legend>{t('search.filter.title')}</legend>
      {options.map(({ key, values, label }) => (
        <div className="field" key={key}>
          <label htmlFor={`${id}-${key}`}>{t(`search.filter.${key}`)}</label>
          <select
            id={`${id}-${key}`}
            value={filters[key]}
            onChange={(event) => onFilters({ ...filters, [key]: event.target.value })}
          >
            {values.map((value) => (
              <option key={value} value={value}>
                {label(value)}
              </option>
            ))}
          </select>
        </div>
      ))}
    </fieldset>
  );
}

function CentreCard({ centre, days }: { centre: CalendarCentre; days: string[] }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language === 'hi' ? 'hi-IN' : 'en-IN';
  const fees = new Map(centre.vaccine_fees?.map((f) => [f.vaccine, f.fee]));
  return (
    <li className="centre" data-testid="centre">
      <h3>{centre.name}</h3>
      <p className="hint">
        {centre.address}, {centre.block_name}, {centre.district_name}, {centre.pincode}
      </p>
      <p>
        <span className={`badge ${centre.fee_type === 'Free' ? 'free' : 'paid'}`}>
          {t(`search.filter.fee_${centre.fee_type}`)}
        </span>{' '}
        {t('search.hours', { from: centre.from.slice(0, 5), to: centre.to.slice(0, 5) })}
      </p>
      <ul className="days">
        {days.map((day) => {
          const sessions = centre.sessions.filter((s) => s.date === cowinDate(day));
          const label = new Date(`${day}T00:00:00Z`).toLocaleDateString(locale, {
            timeZone: 'UTC',
            weekday: 'short',
            day: 'numeric',
            month: 'short',
          });
          return (
            <li key={day} className="day" data-testid={`day-${day}`}>
              <span className="day-label">{label}</span>
              {sessions.length === 0 ? (
                <span className="hint">{t('search.noSession')}</span>
              ) : (
                sessions.map((session) => (
                  <span key={session.session_id} className="session">
                    <strong>{session.vaccine}</strong>
                    {fees.has(session.vaccine) && <span> ₹{fees.get(session.vaccine)}</span>}
                    <span>
                      {t('search.ageFrom', { age: session.min_age_limit })}
                      {session.max_age_limit !== undefined && `–${String(session.max_age_limit)}`}
                    </span>
                    <span>
                      {t('search.doseSeats', {
                        dose1: session.available_capacity_dose1,
                        dose2: session.available_capacity_dose2,
                      })}
                    </span>
                  </span>
                ))
              )}
            </li>
          );
        })}
      </ul>
    </li>
  );
}
