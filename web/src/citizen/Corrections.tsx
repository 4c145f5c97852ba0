import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { FormProblem, TextField } from '../components/TextField';
import type { Beneficiary, CitizenApi, NewCorrection } from './api';
import { plausibleBirthYear } from './birth-year';
import { GenderField } from './GenderField';
import { useIndiaTime } from './time';

/** Refusals the citizen can act on, in plain words; anything else is "could not be sent". */
const REFUSALS: Record<string, string> = {
  'correction-pending': 'citizen.corrections.alreadyPending',
  'not-vaccinated': 'citizen.corrections.notVaccinated',
  'invalid-photo-id': 'citizen.corrections.badPhotoId',
};

/**
 * Asking to correct a vaccinated person's certificate (name, birth year, gender, photo ID):
 * a form, a check of what will be asked, then the request waits for a district officer.
 * Every request and its decision is listed.
 */
export function Corrections({ api, members }: { api: CitizenApi; members: Beneficiary[] }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const when = useIndiaTime();
  const requests = useQuery({ queryKey: ['citizen', 'corrections'], queryFn: api.corrections });
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const vaccinated = members.filter((m) => m.dose1_date);
  const names = new Map(members.map((m) => [m.beneficiary_reference_id, m.name]));

  return (
    <section aria-labelledby="corrections-title" className="corrections">
      <h2 id="corrections-title">{t('citizen.corrections.title')}</h2>
      <p className="hint">{t('citizen.corrections.intro')}</p>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      {requests.isPending && <p role="status">{t('app.loading')}</p>}
      {requests.isError && <p role="alert">{t('search.error')}</p>}
      {requests.data && requests.data.length > 0 && (
        <ul className="correction-list">
          {requests.data.map((r) => (
            <li key={r.request_id} data-testid="correction">
              <strong>{names.get(r.beneficiary_reference_id) ?? r.beneficiary_reference_id}</strong>
              : {r.fields.map((f) => t(`citizen.corrections.fields.${f}`)).join(', ')}
              <br />
              {t('citizen.corrections.asked', { time: when(r.requested_at) })}
              <br />
              <span data-testid="correction-status" className={`status-${r.status}`}>
                {t(`citizen.corrections.statuses.${r.status}`)}
              </span>
              {r.status === 'approved' &&
                r.new_certificate_id &&
                ` – ${t('citizen.corrections.newCertificate', { id: r.new_certificate_id })}`}
              {r.status === 'rejected' &&
                r.decision_reason &&
                ` – ${t('citizen.corrections.why', { reason: r.decision_reason })}`}
            </li>
          ))}
        </ul>
      )}
      {vaccinated.length === 0 ? (
        <p>{t('citizen.corrections.noneVaccinated')}</p>
      ) : open ? (
        <CorrectionForm
          api={api}
          people={vaccinated}
          onClose={() => setOpen(false)}
          onSent={(name) => {
            setOpen(false);
            setDone(t('citizen.corrections.sent', { name }));
            void queries.invalidateQueries({ queryKey: ['citizen', 'corrections'] });
            void queries.invalidateQueries({ queryKey: ['citizen', 'access-log'] });
          }}
        />
      ) : (
        <button
          type="button"
          onClick={() => {
            setDone(null);
            setOpen(true);
          }}
        >
          {t('citizen.corrections.open')}
        </button>
      )}
    </section>
  );
}

function CorrectionForm({
  api,
  people,
  onClose,
  onSent,
}: {
  api: CitizenApi;
  people: Beneficiary[];
  onClose: () => void;
  onSent: (name: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const genders = useQuery({
    queryKey: ['citizen', 'genders'],
    queryFn: api.genders,
    staleTime: Infinity,
  });
  const [person, setPerson] = useState(
    people.length === 1 ? people[0]?.beneficiary_reference_id : '',
  );
  const [name, setName] = useState('');
  const [birthYear, setBirthYear] = useState('');
  const [gender, setGender] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [reason, setReason] = useState('');
  const [review, setReview] = useState<NewCorrection | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const who = people.find((p) => p.beneficiary_reference_id === person);
  const genderName = (genderId: number) => {
    const g = genders.data?.find((x) => x.id === genderId)?.gender ?? String(genderId);
    return t(`citizen.gender.${g}`, { defaultValue: g });
  };

  /** What is wrong with the form, in plain words, or null. */
  function refusal(): string | null {
    if (!who) return t('citizen.corrections.choosePerson');
    if (!name.trim() && !birthYear && !gender && !idNumber.trim()) {
      return t('citizen.corrections.nothing');
    }
    if (birthYear && !plausibleBirthYear(birthYear)) {
      return t('citizen.member.badYear');
    }
    if (reason.trim().length < 5) return t('citizen.corrections.needReason');
    return null;
  }

  function check(event: SyntheticEvent) {
    event.preventDefault();
    const wrong = refusal();
    setProblem(wrong);
    if (wrong || !who) return;
    setReview({
      beneficiary_reference_id: who.beneficiary_reference_id,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(birthYear ? { birth_year: birthYear } : {}),
      ...(gender ? { gender_id: Number(gender) } : {}),
      ...(idNumber.trim() ? { photo_id_number: idNumber.trim() } : {}),
      reason: reason.trim(),
    });
  }

  async function send(body: NewCorrection) {
    setBusy(true);
    setProblem(null);
    try {
      await api.requestCorrection(body);
      onSent(who?.name ?? '');
    } catch (error) {
      const known = error instanceof ApiError ? REFUSALS[error.code] : undefined;
      setProblem(t(known ?? 'citizen.corrections.failed'));
      setReview(null);
      setBusy(false);
    }
  }

  const field = (key: string) => `${id}-${key}`;
  if (review && who) {
    return (
      <div className="panel" role="group" aria-labelledby={field('review')}>
        <h3 id={field('review')}>{t('citizen.corrections.reviewTitle', { name: who.name })}</h3>
        <dl className="facts">
          {review.name && (
            <>
              <dt>{t('citizen.corrections.fields.name')}</dt>
              <dd>{review.name}</dd>
            </>
          )}
          {review.birth_year && (
            <>
              <dt>{t('citizen.corrections.fields.birth_year')}</dt>
              <dd>{review.birth_year}</dd>
            </>
          )}
          {review.gender_id !== undefined && (
            <>
              <dt>{t('citizen.corrections.fields.gender_id')}</dt>
              <dd>{genderName(review.gender_id)}</dd>
            </>
          )}
          {review.photo_id_number && (
            <>
              <dt>{t('citizen.corrections.fields.photo_id_number')}</dt>
              <dd>{review.photo_id_number}</dd>
            </>
          )}
          <dt>{t('citizen.corrections.reason')}</dt>
          <dd>{review.reason}</dd>
        </dl>
        <p className="hint">{t('citizen.corrections.reviewHint')}</p>
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void send(review)}
          >
            {busy ? t('citizen.corrections.sending') : t('citizen.corrections.send')}
          </button>
          <button type="button" disabled={busy} onClick={() => setReview(null)}>
            {t('citizen.corrections.edit')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <form className="panel" onSubmit={check} noValidate aria-labelledby={field('title')}>
      <h3 id={field('title')}>{t('citizen.corrections.formTitle')}</h3>
      <div className="field">
        <label htmlFor={field('person')}>{t('citizen.corrections.person')}</label>
        <select id={field('person')} value={person} onChange={(e) => setPerson(e.target.value)}>
          <option value="">{t('search.choose')}</option>
          {people.map((p) => (
            <option key={p.beneficiary_reference_id} value={p.beneficiary_reference_id}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <p className="hint">{t('citizen.corrections.onlyChanged')}</p>
      <TextField
        label={t('citizen.corrections.newName')}
        autoComplete="off"
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <TextField
        label={t('citizen.corrections.newBirthYear')}
        inputMode="numeric"
        maxLength={4}
        value={birthYear}
        onChange={(e) => setBirthYear(e.target.value.trim())}
      />
      <GenderField
        genders={genders}
        label={t('citizen.corrections.newGender')}
        emptyLabel={t('citizen.corrections.unchanged')}
        value={gender}
        onChange={setGender}
      />
      <TextField
        label={t('citizen.corrections.newIdNumber')}
        autoComplete="off"
        maxLength={40}
        value={idNumber}
        onChange={(e) => setIdNumber(e.target.value)}
      />
      <div className="field">
        <label htmlFor={field('reason')}>{t('citizen.corrections.reason')}</label>
        <textarea
          id={field('reason')}
          aria-describedby={field('reason-hint')}
          maxLength={500}
          rows={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <p className="hint" id={field('reason-hint')}>
          {t('citizen.corrections.reasonHint')}
        </p>
      </div>
      {genders.isError && <p role="alert">{t('search.error')}</p>}
      <FormProblem problem={problem} />
      <div className="actions">
        <button type="submit" className="primary">
          {t('citizen.corrections.check')}
        </button>
        <button type="button" onClick={onClose}>
          {t('citizen.member.cancel')}
        </button>
      </div>
    </form>
  );
}
