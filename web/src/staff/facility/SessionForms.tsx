import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { SLOT } from '../../../../server/modules/facilities/slot.js';
import { FormProblem, TextField } from '../../components/TextField';
import { SelectField } from '../desk/SelectField';
import { type Capacity, facilityProblem, type ManagedSession, type NewSession } from './api';

const SEATS = /^\d{1,6}$/;
const POOLS = ['dose1', 'dose2', 'precaution'] as const;
type Seats = Record<(typeof POOLS)[number], string>;
const seatsValid = (seats: Seats) => POOLS.every((p) => SEATS.test(seats[p]));

/** The seats for each dose, as typed; checked with `seatsValid` when the form is sent. */
function SeatsFieldset({ seats, onChange }: { seats: Seats; onChange: (seats: Seats) => void }) {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend>{t('facility.session.seats')}</legend>
      <div className="inline-form">
        {POOLS.map((pool) => (
          <TextField
            key={pool}
            label={t(`facility.session.pool.${pool}`)}
            inputMode="numeric"
            maxLength={6}
            value={seats[pool]}
            onChange={(e) => onChange({ ...seats, [pool]: e.target.value.trim() })}
          />
        ))}
      </div>
    </fieldset>
  );
}

/** A new session at a centre: date, vaccine, ages, seats for each dose, slots, walk-ins. */
export function NewSessionForm({
  vaccines,
  fee,
  create,
}: {
  vaccines: string[];
  /** What the centre charges for a vaccine, in words. */
  fee: (vaccine: string) => string;
  create: (session: NewSession) => Promise<void>;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [date, setDate] = useState('');
  const [vaccine, setVaccine] = useState('');
  const [minAge, setMinAge] = useState('18');
  const [seats, setSeats] = useState<Seats>({ dose1: '50', dose2: '50', precaution: '0' });
  const [slots, setSlots] = useState('09:00AM-11:00AM 11:00AM-01:00PM');
  const [walkIn, setWalkIn] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const chosen = vaccine || vaccines[0] || '';

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    setDone(null);
    const slotList = slots.split(/[\s,]+/).filter(Boolean);
    const invalid = !/^\d{4}-\d{2}-\d{2}$/.test(date)
      ? t('facility.session.badDate')
      : !chosen
        ? t('facility.session.noVaccine')
        : !/^\d{1,3}$/.test(minAge)
          ? t('facility.session.badAge')
          : !seatsValid(seats)
            ? t('facility.session.badSeats')
            : slotList.length === 0 || slotList.some((s) => !SLOT.test(s.toUpperCase()))
              ? t('facility.session.badSlots')
              : null;
    if (invalid) return setProblem(invalid);
    setBusy(true);
    setProblem(null);
    try {
      await create({
        date,
        vaccine: chosen,
        min_age_limit: Number(minAge),
        capacity_dose1: Number(seats.dose1),
        capacity_dose2: Number(seats.dose2),
        capacity_precaution: Number(seats.precaution),
        slots: slotList.map((s) => s.toUpperCase()),
        allow_walk_in: walkIn,
      });
      setDone(t('facility.session.created', { date, vaccine: chosen }));
    } catch (error) {
      setProblem(facilityProblem(error, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('facility.session.newTitle')}</h4>
      <TextField
        label={t('facility.session.date')}
        type="date"
        value={date}
        onChange={(e) => setDate(e.target.value)}
      />
      <SelectField
        label={t('facility.session.vaccine')}
        value={chosen}
        onChange={(e) => setVaccine(e.target.value)}
        options={vaccines.map((v) => ({ value: v, label: v }))}
        aria-describedby={`${id}-fee`}
      />
      <p className="hint" id={`${id}-fee`}>
        {chosen && fee(chosen)}
      </p>
      <TextField
        label={t('facility.session.minAge')}
        inputMode="numeric"
        maxLength={3}
        value={minAge}
        onChange={(e) => setMinAge(e.target.value.trim())}
      />
      <SeatsFieldset seats={seats} onChange={setSeats} />
      <TextField
        label={t('facility.session.slots')}
        hint={t('facility.session.slotsHint')}
        value={slots}
        onChange={(e) => setSlots(e.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={walkIn} onChange={(e) => setWalkIn(e.target.checked)} />
        {t('facility.session.walkIn')}
      </label>
      <FormProblem problem={problem} />
      {done && <p role="status">{done}</p>}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('admin.working') : t('facility.session.create')}
      </button>
    </form>
  );
}

/**
 * One session's seats, changed; or the session closed to new bookings. The seats already
 * booked are shown, since the server refuses a capacity below them.
 */
export function SessionChangeForm({
  session,
  change,
  close,
  onDone,
}: {
  session: ManagedSession;
  change: (capacity: Capacity) => Promise<void>;
  close: () => Promise<void>;
  onDone: (message: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [seats, setSeats] = useState<Seats>({
    dose1: String(session.capacity_dose1),
    dose2: String(session.capacity_dose2),
    precaution: String(session.capacity_precaution),
  });
  const [sure, setSure] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const booked = (pool: (typeof POOLS)[number]) =>
    session[`capacity_${pool}`] - session[`available_${pool}`];
  const what = { date: session.date, vaccine: session.vaccine };

  async function act(action: () => Promise<void>, message: string) {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      onDone(message);
    } catch (error) {
      setProblem(facilityProblem(error, t));
    } finally {
      setBusy(false);
    }
  }

  async function save(event: SyntheticEvent) {
    event.preventDefault();
    if (!seatsValid(seats)) return setProblem(t('facility.session.badSeats'));
    await act(
      () =>
        change({
          capacity_dose1: Number(seats.dose1),
          capacity_dose2: Number(seats.dose2),
          capacity_precaution: Number(seats.precaution),
        }),
      t('facility.session.changed', what),
    );
  }

  async function closeIt() {
    if (!sure) return setProblem(t('facility.session.confirmFirst'));
    await act(close, t('facility.session.closed', what));
  }

  return (
    <form
      onSubmit={(e) => void save(e)}
      noValidate
      aria-labelledby={`${id}-title`}
      data-testid="session-change"
    >
      <h4 id={`${id}-title`}>{t('facility.session.changeTitle', what)}</h4>
      <p className="hint">
        {t('facility.session.booked', {
          dose1: booked('dose1'),
          dose2: booked('dose2'),
          precaution: booked('precaution'),
        })}
      </p>
      <SeatsFieldset seats={seats} onChange={setSeats} />
      <FormProblem problem={problem} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('admin.working') : t('facility.session.saveSeats')}
        </button>
      </div>
      <p className="hint">{t('facility.session.closeHelp')}</p>
      <label className="check">
        <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
        {t('facility.session.closeConfirm')}
      </label>
      <div className="actions">
        <button type="button" className="danger" disabled={busy} onClick={() => void closeIt()}>
          {t('facility.session.close')}
        </button>
      </div>
    </form>
  );
}
