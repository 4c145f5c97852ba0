import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../../api';
import { FormProblem, TextField } from '../../components/TextField';
import { deskApi, deskProblem, type RecordedDose } from './api';
import { SelectField, SessionField, useTodaySessions } from './SelectField';

const fresh = () => ({ key: crypto.randomUUID(), at: null });

/** The vaccinator's desk at one centre: record a dose, see the certificate it issued. */
export function VaccinatorDesk({ centre }: { centre: number }) {
  const { t } = useTranslation();
  const id = useId();
  const sessions = useTodaySessions(centre);
  const [fields, setFields] = useState({ session: '', ref: '', vaccine: '', batch: '', dose: '1' });
  // One key and one vaccination time per submission: sending the same form again (a double
  // click, a retry after a lost answer) sends the same body under the same key and gets the
  // first answer back, so a dose is recorded once. Any edit makes it a new submission.
  const [attempt, setAttempt] = useState<{ key: string; at: string | null }>(fresh);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [recorded, setRecorded] = useState<RecordedDose | null>(null);

  const list = sessions.data ?? [];
  const session = fields.session || list[0]?.session_id || '';
  const vaccine = fields.vaccine || list.find((s) => s.session_id === session)?.vaccine || '';
  const vaccines = [...new Set(list.map((s) => s.vaccine))];

  function edit(name: keyof typeof fields, value: string) {
    setFields((current) => ({ ...current, [name]: value }));
    setAttempt(fresh());
  }

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (!session || !fields.ref || !vaccine || !fields.batch) {
      setProblem(t('desk.vaccinator.missing'));
      return;
    }
    const at = attempt.at ?? new Date().toISOString();
    setAttempt({ key: attempt.key, at });
    setBusy(true);
    setProblem(null);
    try {
      const dose = await deskApi.recordDose(
        {
          session_id: session,
          beneficiary_reference_id: fields.ref,
          vaccine,
          batch: fields.batch,
          dose: Number(fields.dose),
          vaccinated_at: at,
        },
        attempt.key,
      );
      setRecorded(dose);
      setFields((current) => ({ ...current, ref: '' }));
      setAttempt(fresh());
    } catch (error) {
      // A refusal recorded nothing: the corrected form is a new submission at a new time. With
      // no answer the dose may have been recorded, so the retry must be the same submission.
      if (error instanceof ApiError && error.status < 500) setAttempt(fresh());
      setProblem(deskProblem(error, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-title`} className="panel" data-testid={`vaccinator-${centre}`}>
      <h2 id={`${id}-title`}>{t('desk.vaccinator.title', { centre })}</h2>
      {sessions.isPending && <p role="status">{t('app.loading')}</p>}
      {sessions.isError && <FormProblem problem={deskProblem(sessions.error, t)} />}
      {sessions.data && list.length === 0 && <p>{t('desk.vaccinator.noSessions')}</p>}
      {list.length > 0 && (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <SessionField sessions={list} value={session} onChange={(v) => edit('session', v)} />
          <TextField
            label={t('desk.vaccinator.reference')}
            inputMode="numeric"
            autoComplete="off"
            value={fields.ref}
            onChange={(e) => edit('ref', e.target.value.trim())}
          />
          <SelectField
            label={t('desk.vaccinator.vaccine')}
            value={vaccine}
            onChange={(e) => edit('vaccine', e.target.value)}
            options={vaccines.map((v) => ({ value: v, label: v }))}
          />
          <TextField
            label={t('desk.vaccinator.batch')}
            hint={t('desk.vaccinator.batchHint')}
            autoComplete="off"
            maxLength={20}
            value={fields.batch}
            onChange={(e) => edit('batch', e.target.value.trim())}
          />
          <SelectField
            label={t('desk.vaccinator.dose')}
            value={fields.dose}
            onChange={(e) => edit('dose', e.target.value)}
            options={['1', '2', '3'].map((n) => ({
              value: n,
              label: t(`desk.vaccinator.doseOption${n}`),
            }))}
          />
          <FormProblem problem={problem} />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('desk.vaccinator.recording') : t('desk.vaccinator.record')}
          </button>
        </form>
      )}
      {recorded && (
        <div className="success" role="status" data-testid="dose-recorded">
          <p>
            {t('desk.vaccinator.recorded', {
              dose: recorded.dose,
              vaccine: recorded.vaccine,
              ref: recorded.beneficiary_reference_id,
            })}
          </p>
          <p>
            {t('desk.vaccinator.certificate', {
              id: recorded.certificate_id,
              kind: t(`desk.kind.${recorded.certificate_kind}`),
            })}
          </p>
        </div>
      )}
    </section>
  );
}
