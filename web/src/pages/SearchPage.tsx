import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api } from '../api';

export function SearchPage() {
  const { t } = useTranslation();
  const stateField = useId();
  const districtField = useId();
  const [stateId, setStateId] = useState<number | null>(null);
  const [districtId, setDistrictId] = useState<number | null>(null);

  const states = useQuery({ queryKey: ['states'], queryFn: api.states, staleTime: Infinity });
  const districts = useQuery({
    queryKey: ['districts', stateId],
    queryFn: () => api.districts(stateId ?? 0),
    enabled: stateId !== null,
    staleTime: Infinity,
  });

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">{t('search.title')}</h1>
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
          }}
        >
          <option value="">{states.isLoading ? t('search.loading') : t('search.choose')}</option>
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
          onChange={(event) =>
            setDistrictId(event.target.value ? Number(event.target.value) : null)
          }
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
    </section>
  );
}
