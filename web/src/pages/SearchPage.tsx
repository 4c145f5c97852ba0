import { useQuery } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { indiaDate } from '../../../server/modules/facilities/dates.js';
import { api } from '../api';
import { type AvailabilityQuery, AvailabilityResults } from '../components/AvailabilityResults';
import { NearMe } from '../components/NearMe';
import { TextField } from '../components/TextField';

const PINCODE = /^[1-9]\d{5}$/;

export function SearchPage() {
  const { t } = useTranslation();
  const stateField = useId();
  const districtField = useId();
  const pinField = useId();
  const [mode, setMode] = useState<'district' | 'pin' | 'near'>('district');
  const [stateId, setStateId] = useState<number | null>(null);
  const [districtId, setDistrictId] = useState<number | null>(null);
  const [pincode, setPincode] = useState('');
  const [pinError, setPinError] = useState(false);
  const [query, setQuery] = useState<AvailabilityQuery | null>(null);

  const states = useQuery({ queryKey: ['states'], queryFn: api.states, staleTime: Infinity });
  const districts = useQuery({
    queryKey: ['districts', stateId],
    queryFn: () => api.districts(stateId ?? 0),
    enabled: stateId !== null,
    staleTime: Infinity,
  });
  const today = indiaDate(new Date());

  function searchPin(event: SyntheticEvent) {
    event.preventDefault();
    const valid = PINCODE.test(pincode);
    setPinError(!valid);
    if (valid) setQuery({ kind: 'pin', pincode, from: today });
  }

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">{t('search.title')}</h1>
      <div className="toggle" role="group" aria-labelledby={`${pinField}-by`}>
        <span id={`${pinField}-by`}>{t('search.by')}</span>
        {(['district', 'pin', 'near'] as const).map((value) => (
          <button
            key={value}
            type="button"
            aria-pressed={mode === value}
            onClick={() => {
              setMode(value);
              setQuery(null);
            }}
          >
            {value === 'near' ? t('nearMe.tab') : t(`search.by_${value}`)}
          </button>
        ))}
      </div>

      {mode === 'near' ? (
        <NearMe onCentre={(centreId) => setQuery({ kind: 'centre', centreId, from: today })} />
      ) : mode === 'district' ? (
        <div className="panel">
          {states.isError && <p role="alert">{t('search.error')}</p>}
          <div className="field">
            <label htmlFor={stateField}>{t('search.state')}</label>
            <select
              id={stateField}
              value={stateId ?? ''}
              disabled={!states.data}
              onChange={(event) => {
                setStateId(event.target.value ? Number(event.target.value) : null);
                setDistrictId(null);
                setQuery(null);
              }}
            >
              <option value="">
                {states.isLoading ? t('search.loading') : t('search.choose')}
              </option>
              {states.data?.map((state) => (
                <option key={state.state_id} value={state.state_id}>
                  {state.state_name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={districtField}>{t('search.district')}</label>
            <select
              id={districtField}
              value={districtId ?? ''}
              disabled={!districts.data}
              onChange={(event) => {
                const id = event.target.value ? Number(event.target.value) : null;
                setDistrictId(id);
                setQuery(id === null ? null : { kind: 'district', districtId: id, from: today });
              }}
            >
              <option value="">
                {districts.isFetching ? t('search.loading') : t('search.choose')}
              </option>
              {districts.data?.map((district) => (
                <option key={district.district_id} value={district.district_id}>
                  {district.district_name}
                </option>
              ))}
            </select>
            {districts.data && (
              <p className="hint" aria-live="polite">
                {t('search.districtsCount', { count: districts.data.length })}
              </p>
            )}
          </div>
        </div>
      ) : (
        <form className="panel" onSubmit={searchPin} noValidate>
          <TextField
            label={t('search.pincode')}
            hint={pinError ? t('search.pinInvalid') : t('search.pinHint')}
            hintRole={pinError ? 'alert' : undefined}
            inputMode="numeric"
            autoComplete="postal-code"
            maxLength={6}
            value={pincode}
            aria-invalid={pinError}
            onChange={(event) => setPincode(event.target.value.trim())}
          />
          <button type="submit" className="primary">
            {t('search.search')}
          </button>
        </form>
      )}

      {query && (
        <AvailabilityResults
          query={query}
          today={today}
          onWeek={(from) => setQuery({ ...query, from })}
        />
      )}
    </section>
  );
}
