import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormProblem, TextField } from '../../components/TextField';
import { deskApi, deskProblem, type Expected } from './api';
import { WalkInForm } from './WalkInForm';

/** The verifier's desk at one centre: the day's list, find, photo ID check, arrival. */
export function VerifierDesk({ centre }: { centre: number }) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const today = useQuery({
    queryKey: ['desk', 'today', centre],
    queryFn: () => deskApi.today(centre),
    retry: false,
  });
  const [by, setBy] = useState<'reference_id' | 'appointment_id'>('reference_id');
  const [value, setValue] = useState('');
  const [found, setFound] = useState<Expected[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ['desk', 'today', centre] });
    void queries.invalidateQueries({ queryKey: ['desk', 'sessions', centre] });
  };

  async function find(kind: typeof by, text: string) {
    if (!text) {
      setProblem(t('desk.verifier.missing'));
      return;
    }
    setBusy(true);
    setProblem(null);
    setFound(null);
    try {
      setFound(await deskApi.find(centre, kind, text));
    } catch (error) {
      setProblem(deskProblem(error, t));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    void find(by, value);
  }

  return (
    <section aria-labelledby={`${id}-title`} className="panel" data-testid={`verifier-${centre}`}>
      <h2 id={`${id}-title`}>{t('desk.verifier.title', { centre })}</h2>
      <h3>{t('desk.verifier.today')}</h3>
      {today.isPending && <p role="status">{t('app.loading')}</p>}
      {today.isError && <FormProblem problem={deskProblem(today.error, t)} />}
      {today.data && today.data.appointments.length === 0 && <p>{t('desk.verifier.none')}</p>}
      {today.data && today.data.appointments.length > 0 && (
        <div className="table-scroll">
          <table data-testid="day-list">
            <thead>
              <tr>
                <th scope="col">{t('desk.verifier.name')}</th>
                <th scope="col">{t('desk.verifier.slot')}</th>
                <th scope="col">{t('desk.verifier.dose')}</th>
                <th scope="col">{t('desk.verifier.status')}</th>
                <th scope="col">{t('desk.verifier.reference')}</th>
              </tr>
            </thead>
            <tbody>
              {today.data.appointments.map((a) => (
                <tr key={`${a.appointment_id}-${a.beneficiary_reference_id}`}>
                  <td>{a.name}</td>
                  <td>{a.slot}</td>
                  <td>{a.dose}</td>
                  <td>{t(`desk.status.${a.status}`)}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        setBy('reference_id');
                        setValue(a.beneficiary_reference_id);
                        void find('reference_id', a.beneficiary_reference_id);
                      }}
                    >
                      {t('desk.verifier.open', { ref: a.beneficiary_reference_id })}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={submit} noValidate>
        <fieldset className="choices">
          <legend>{t('desk.verifier.findBy')}</legend>
          <label>
            <input
              type="radio"
              name={`${id}-by`}
              checked={by === 'reference_id'}
              onChange={() => setBy('reference_id')}
            />{' '}
            {t('desk.verifier.byReference')}
          </label>
          <label>
            <input
              type="radio"
              name={`${id}-by`}
              checked={by === 'appointment_id'}
              onChange={() => setBy('appointment_id')}
            />{' '}
            {t('desk.verifier.byAppointment')}
          </label>
        </fieldset>
        <TextField
          label={t('desk.verifier.idLabel')}
          value={value}
          onChange={(e) => setValue(e.target.value.trim())}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('desk.verifier.finding') : t('desk.verifier.find')}
        </button>
      </form>
      <FormProblem problem={problem} />
      {found?.map((person) => (
        <Person key={person.beneficiary_reference_id} person={person} onArrived={refresh} />
      ))}
      <WalkInForm centre={centre} onRegistered={refresh} />
    </section>
  );
}

/** One expected person: the photo ID type to ask for, the last-4 check, then arrival. */
function Person({ person, onArrived }: { person: Expected; onArrived: () => void }) {
  const { t } = useTranslation();
  const [last4, setLast4] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [arrivedAt, setArrivedAt] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const session = person.appointment?.session_id;

  async function run(step: () => Promise<void>) {
    setBusy(true);
    setProblem(null);
    try {
      await step();
    } catch (error) {
      setProblem(deskProblem(error, t));
    } finally {
      setBusy(false);
    }
  }

  function check(event: SyntheticEvent) {
    event.preventDefault();
    if (!session) return;
    if (!/^[A-Za-z0-9]{4}$/.test(last4)) {
      setProblem(t('desk.verifier.last4Format'));
      return;
    }
    void run(async () => {
      const answer = await deskApi.identity(session, person.beneficiary_reference_id, last4);
      setConfirmed(answer.confirmed);
      if (!answer.confirmed) setProblem(t('desk.verifier.mismatch'));
    });
  }

  return (
    <article className="panel" data-testid="expected">
      <h3>{person.name}</h3>
      <dl className="facts">
        <dt>{t('desk.verifier.reference')}</dt>
        <dd>{person.beneficiary_reference_id}</dd>
        <dt>{t('desk.verifier.born')}</dt>
        <dd>{person.birth_year}</dd>
        <dt>{t('desk.verifier.gender')}</dt>
        <dd>{person.gender}</dd>
        <dt>{t('desk.verifier.dosesGiven')}</dt>
        <dd>{person.doses_given}</dd>
        {person.appointment && (
          <>
            <dt>{t('desk.verifier.appointment')}</dt>
            <dd>
              {t('desk.verifier.appointmentText', {
                slot: person.appointment.slot,
                dose: person.appointment.dose,
              })}
            </dd>
          </>
        )}
      </dl>
      {!session && <p className="warning">{t('desk.verifier.noAppointment')}</p>}
      {session && !confirmed && (
        <form onSubmit={check} noValidate>
          <TextField
            label={t('desk.verifier.last4', { type: person.photo_id_type })}
            hint={t('desk.verifier.last4Hint')}
            maxLength={4}
            autoComplete="off"
            value={last4}
            onChange={(e) => setLast4(e.target.value.trim())}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t('desk.verifier.confirm')}
          </button>
        </form>
      )}
      {session && confirmed && !arrivedAt && (
        <>
          <p className="success" role="status">
            {t('desk.verifier.confirmed')}
          </p>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const answer = await deskApi.arrive(session, person.beneficiary_reference_id);
                setArrivedAt(answer.arrived_at);
                onArrived();
              })
            }
          >
            {t('desk.verifier.arrive')}
          </button>
        </>
      )}
      {arrivedAt && (
        <p className="success" role="status" data-testid="arrived">
          {t('desk.verifier.arrived', {
            time: new Date(arrivedAt).toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata' }),
          })}
        </p>
      )}
      <FormProblem problem={problem} />
    </article>
  );
}
