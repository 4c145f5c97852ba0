import { useQuery } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormProblem, TextField } from '../../components/TextField';
import { deskApi, deskProblem } from './api';
import { SelectField, SessionField, useTodaySessions } from './SelectField';

const EMPTY = {
  session: '',
  name: '',
  birthYear: '',
  gender: '',
  idType: '',
  idNumber: '',
  mobile: '',
};

/**
 * Registers a person who came without an appointment into one of today's sessions that takes
 * walk-ins. The server checks the photo ID and the limit of 4 per mobile as online, and marks
 * the person identified and arrived, so the vaccinator can record the dose next.
 */
export function WalkInForm({ centre, onRegistered }: { centre: number; onRegistered: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const sessions = useTodaySessions(centre);
  const choices = useQuery({
    queryKey: ['desk', 'walk-in-choices', centre],
    queryFn: () => deskApi.walkInChoices(centre),
    staleTime: Infinity,
    retry: false,
  });
  const [fields, setFields] = useState(EMPTY);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<{ ref: string; appointment: string } | null>(null);
  const list = sessions.data ?? [];
  const session = fields.session || list[0]?.session_id || '';
  const thisYear = new Date().getFullYear();

  const edit = (name: keyof typeof EMPTY) => (value: string) =>
    setFields((current) => ({ ...current, [name]: value }));

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    const year = Number(fields.birthYear);
    if (!session || !fields.name.trim() || !fields.gender || !fields.idType || !fields.idNumber) {
      setProblem(t('desk.walkIn.missing'));
      return;
    }
    if (!/^\d{4}$/.test(fields.birthYear) || year < thisYear - 120 || year > thisYear) {
      setProblem(t('desk.walkIn.badYear'));
      return;
    }
    if (!/^[6-9]\d{9}$/.test(fields.mobile)) {
      setProblem(t('desk.walkIn.badMobile'));
      return;
    }
    setBusy(true);
    setProblem(null);
    setMade(null);
    try {
      const answer = await deskApi.walkIn(session, {
        name: fields.name.trim(),
        birth_year: fields.birthYear,
        gender_id: Number(fields.gender),
        photo_id_type: Number(fields.idType),
        photo_id_number: fields.idNumber,
        mobile: fields.mobile,
      });
      setMade({ ref: answer.beneficiary_reference_id, appointment: answer.appointment_id });
      setFields({ ...EMPTY, session });
      onRegistered();
    } catch (error) {
      setProblem(deskProblem(error, t));
    } finally {
      setBusy(false);
    }
  }

  const choose = (label: string) => ({ value: '', label });
  return (
    <form
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${id}-title`}
      data-testid="walk-in"
    >
      <h3 id={`${id}-title`}>{t('desk.walkIn.title')}</h3>
      <p className="hint">{t('desk.walkIn.intro')}</p>
      {sessions.isError && <FormProblem problem={deskProblem(sessions.error, t)} />}
      {choices.isError && <FormProblem problem={deskProblem(choices.error, t)} />}
      {sessions.data && list.length === 0 && <p>{t('desk.vaccinator.noSessions')}</p>}
      {list.length > 0 && (
        <>
          <SessionField sessions={list} value={session} onChange={edit('session')} />
          <TextField
            label={t('desk.walkIn.name')}
            hint={t('desk.walkIn.nameHint')}
            autoComplete="off"
            maxLength={100}
            value={fields.name}
            onChange={(e) => edit('name')(e.target.value)}
          />
          <TextField
            label={t('desk.walkIn.birthYear')}
            inputMode="numeric"
            maxLength={4}
            value={fields.birthYear}
            onChange={(e) => edit('birthYear')(e.target.value.trim())}
          />
          <SelectField
            label={t('desk.walkIn.gender')}
            value={fields.gender}
            onChange={(e) => edit('gender')(e.target.value)}
            options={[
              choose(t('search.choose')),
              ...(choices.data?.genders ?? []).map((g) => ({
                value: String(g.id),
                label: t(`citizen.gender.${g.gender}`, { defaultValue: g.gender }),
              })),
            ]}
          />
          <SelectField
            label={t('desk.walkIn.idType')}
            value={fields.idType}
            onChange={(e) => edit('idType')(e.target.value)}
            options={[
              choose(t('search.choose')),
              ...(choices.data?.types ?? []).map((type) => ({ value: type.id, label: type.type })),
            ]}
          />
          <TextField
            label={t('desk.walkIn.idNumber')}
            autoComplete="off"
            maxLength={40}
            value={fields.idNumber}
            onChange={(e) => edit('idNumber')(e.target.value.trim())}
          />
          <TextField
            label={t('desk.walkIn.mobile')}
            hint={t('desk.walkIn.mobileHint')}
            inputMode="numeric"
            autoComplete="off"
            maxLength={10}
            value={fields.mobile}
            onChange={(e) => edit('mobile')(e.target.value.trim())}
          />
          <FormProblem problem={problem} />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('desk.walkIn.registering') : t('desk.walkIn.register')}
          </button>
        </>
      )}
      {made && (
        <p className="success" role="status" data-testid="walked-in">
          {t('desk.walkIn.done', { ref: made.ref, appointment: made.appointment })}
        </p>
      )}
    </form>
  );
}
