import { useQuery } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { indiaDate } from '../../../server/modules/facilities/dates.js';
import { api, ApiError, type CalendarCentre, type CalendarSession } from '../api';
import { cowinDate } from '../availability';
import { FormProblem, TextField } from '../components/TextField';

export interface Picked {
  centre: CalendarCentre;
  session: CalendarSession;
  slot: string;
}

const seatsFor = (session: CalendarSession, dose: number) =>
  dose === 1
    ? session.available_capacity_dose1
    : dose === 2
      ? session.available_capacity_dose2
      : session.available_capacity;

/** Finds a session with seats for `dose` near a PIN code, picks a slot, and confirms it. */
export function SlotPicker({
  title,
  dose,
  onConfirm,
  onClose,
}: {
  title: string;
  dose: number;
  onConfirm: (picked: Picked) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const pinField = useId();
  const [pincode, setPincode] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const from = cowinDate(indiaDate(new Date()));
  const calendar = useQuery({
    queryKey: ['calendar-pick', asked, from],
    queryFn: () => api.calendarByPin(asked ?? '', from),
    enabled: asked !== null,
    staleTime: 0,
  });

  function search(event: SyntheticEvent) {
    event.preventDefault();
    setPicked(null);
    if (!/^[1-9]\d{5}$/.test(pincode)) {
      setProblem(t('search.pinInvalid'));
      return;
    }
    setProblem(null);
    setAsked(pincode);
  }

  async function confirm() {
    if (!picked) return;
    setBusy(true);
    setProblem(null);
    try {
      await onConfirm(picked);
    } catch (error) {
      setProblem(
        `${t('citizen.book.failed')} ${error instanceof ApiError ? error.message : ''}`.trim(),
      );
      setBusy(false);
    }
  }

  const open = (calendar.data ?? [])
    .map((centre) => ({
      centre,
      sessions: centre.sessions.filter((s) => seatsFor(s, dose) > 0),
    }))
    .filter((c) => c.sessions.length > 0);

  return (
    <section className="panel picker" aria-labelledby={`${pinField}-title`}>
      <h2 id={`${pinField}-title`}>{title}</h2>
      {picked ? (
        <div>
          <p data-testid="pick-summary">
            {t('citizen.book.confirmText', {
              slot: picked.slot,
              date: picked.session.date,
              centre: picked.centre.name,
              vaccine: picked.session.vaccine,
            })}
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => void confirm()}
            >
              {busy ? t('citizen.book.saving') : t('citizen.book.confirm')}
            </button>
            <button type="button" disabled={busy} onClick={() => setPicked(null)}>
              {t('citizen.book.back')}
            </button>
          </div>
        </div>
      ) : (
        <>
          <form onSubmit={search} noValidate className="inline-form">
            <TextField
              label={t('search.pincode')}
              inputMode="numeric"
              maxLength={6}
              value={pincode}
              onChange={(e) => setPincode(e.target.value.trim())}
            />
            <button type="submit">{t('search.search')}</button>
          </form>
          {calendar.isFetching && <p role="status">{t('search.searching')}</p>}
          {calendar.isError && <p role="alert">{t('search.error')}</p>}
          {calendar.data && open.length === 0 && <p role="status">{t('citizen.book.noSeats')}</p>}
          <ul className="centres">
            {open.map(({ centre, sessions }) => (
              <li key={centre.center_id} className="centre">
                <h3>{centre.name}</h3>
                <p className="hint">
                  {centre.address}, {centre.pincode}
                </p>
                {sessions.map((session) => (
                  <div key={session.session_id} className="session">
                    <p>
                      <strong>{session.date}</strong> · {session.vaccine} ·{' '}
                      {t('citizen.book.seats', { count: seatsFor(session, dose) })}
                    </p>
                    <div className="slots">
                      {session.slots.map((slot) => (
                        <button
                          key={slot}
                          type="button"
                          aria-label={t('citizen.book.slotLabel', {
                            slot,
                            date: session.date,
                            centre: centre.name,
                          })}
                          onClick={() => setPicked({ centre, session, slot })}
                        >
                          {slot}
                        </button>
                      ))}
                    </div>
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </>
      )}
      <FormProblem problem={problem} />
      <button type="button" className="link-button" onClick={onClose}>
        {t('citizen.book.close')}
      </button>
    </section>
  );
}
