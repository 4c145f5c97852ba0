import { useQuery } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { FormProblem, TextField } from '../components/TextField';
import type { CitizenApi } from './api';
import { plausibleBirthYear } from './birth-year';
import { GenderField } from './GenderField';

/** Registers one more person under this mobile number (CoWIN: at most 4). */
export function AddMemberForm({
  api,
  onAdded,
  onClose,
}: {
  api: CitizenApi;
  onAdded: (name: string) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const idTypes = useQuery({
    queryKey: ['citizen', 'idTypes'],
    queryFn: api.idTypes,
    staleTime: Infinity,
  });
  const genders = useQuery({
    queryKey: ['citizen', 'genders'],
    queryFn: api.genders,
    staleTime: Infinity,
  });
  const [name, setName] = useState('');
  const [birthYear, setBirthYear] = useState('');
  const [gender, setGender] = useState('');
  const [idType, setIdType] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [consent, setConsent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (!name.trim() || !gender || !idType || !idNumber.trim()) {
      setProblem(t('citizen.member.missing'));
      return;
    }
    if (!plausibleBirthYear(birthYear)) {
      setProblem(t('citizen.member.badYear'));
      return;
    }
    if (!consent) {
      setProblem(t('citizen.member.needConsent'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await api.register({
        name: name.trim(),
        birth_year: birthYear,
        gender_id: Number(gender),
        photo_id_type: Number(idType),
        photo_id_number: idNumber.trim(),
        comorbidity_ind: 'N',
        consent_version: 'V1',
      });
      onAdded(name.trim());
    } catch (error) {
      setProblem(
        `${t('citizen.member.failed')} ${error instanceof ApiError ? error.message : ''}`.trim(),
      );
      setBusy(false);
    }
  }

  const field = (key: string) => `${id}-${key}`;
  return (
    <form
      className="panel"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={field('title')}
    >
      <h2 id={field('title')}>{t('citizen.member.title')}</h2>
      <TextField
        label={t('citizen.member.name')}
        hint={t('citizen.member.nameHint')}
        autoComplete="name"
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <TextField
        label={t('citizen.member.birthYear')}
        inputMode="numeric"
        maxLength={4}
        value={birthYear}
        onChange={(e) => setBirthYear(e.target.value.trim())}
      />
      <GenderField
        genders={genders}
        label={t('citizen.member.gender')}
        emptyLabel={t('search.choose')}
        value={gender}
        onChange={setGender}
      />
      <div className="field">
        <label htmlFor={field('idType')}>{t('citizen.member.idType')}</label>
        <select id={field('idType')} value={idType} onChange={(e) => setIdType(e.target.value)}>
          <option value="">{idTypes.isLoading ? t('app.loading') : t('search.choose')}</option>
          {idTypes.data?.map((type) => (
            <option key={type.id} value={type.id}>
              {type.type}
            </option>
          ))}
        </select>
      </div>
      <TextField
        label={t('citizen.member.idNumber')}
        autoComplete="off"
        maxLength={40}
        value={idNumber}
        onChange={(e) => setIdNumber(e.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
        {t('citizen.member.consent')}
      </label>
      {(idTypes.isError || genders.isError) && <p role="alert">{t('search.error')}</p>}
      <FormProblem problem={problem} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('citizen.member.saving') : t('citizen.member.add')}
        </button>
        <button type="button" disabled={busy} onClick={onClose}>
          {t('citizen.member.cancel')}
        </button>
      </div>
    </form>
  );
}
