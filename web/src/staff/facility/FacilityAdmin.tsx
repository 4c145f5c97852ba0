import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormProblem, TextField } from '../../components/TextField';
import type { Grant } from '../api';
import { facilityApi, facilityProblem, type ManagedCentre } from './api';
import { CentreForm } from './CentreForm';
import { NewSessionForm, SessionChangeForm } from './SessionForms';

const FACILITY_KEY = ['facility'];
const ADMINS = ['district-admin', 'state-admin', 'national-admin'];

function SessionsTable({
  centre,
  onChange,
}: {
  centre: ManagedCentre;
  onChange: (sessionId: string) => void;
}) {
  const { t } = useTranslation();
  const caption = t('facility.sessions.caption', { name: centre.name });
  if (centre.sessions.length === 0)
    return <p data-testid="sessions">{t('facility.sessions.none')}</p>;
  return (
    // Focusable, so that keyboard users can scroll a table wider than a phone.
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table data-testid="sessions">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('facility.session.date')}</th>
            <th scope="col">{t('facility.session.vaccine')}</th>
            <th scope="col">{t('facility.sessions.age')}</th>
            <th scope="col">{t('facility.sessions.free')}</th>
            <th scope="col">{t('facility.session.slots')}</th>
            <th scope="col">{t('facility.sessions.action')}</th>
          </tr>
        </thead>
        <tbody>
          {centre.sessions.map((s) => (
            <tr key={s.session_id}>
              <td>{s.date}</td>
              <td>{s.vaccine}</td>
              <td>{t('facility.sessions.ageText', { age: s.min_age_limit })}</td>
              <td>
                {t('facility.sessions.seatsText', {
                  dose1: `${s.available_dose1}/${s.capacity_dose1}`,
                  dose2: `${s.available_dose2}/${s.capacity_dose2}`,
                  precaution: `${s.available_precaution}/${s.capacity_precaution}`,
                })}
              </td>
              <td>{s.slots.join(', ')}</td>
              <td>
                <button
                  type="button"
                  onClick={() => onChange(s.session_id)}
                  aria-label={t('facility.sessions.changeLabel', {
                    date: s.date,
                    vaccine: s.vaccine,
                    age: s.min_age_limit,
                  })}
                >
                  {t('facility.sessions.change')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One centre: its details (editable), its sessions from today, a new session, seat changes. */
function CentreManager({ centre, vaccines }: { centre: ManagedCentre; vaccines: string[] }) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [changing, setChanging] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: FACILITY_KEY });
  const session = centre.sessions.find((s) => s.session_id === changing);
  const fee = (vaccine: string) => {
    if (centre.fee_type === 'Free') return t('facility.session.feeFree');
    const paid = centre.vaccine_fees.find((f) => f.vaccine === vaccine);
    return paid
      ? t('facility.session.feePaid', { fee: paid.fee, vaccine })
      : t('facility.session.feeNone', { vaccine });
  };

  return (
    <section
      aria-labelledby={`${id}-title`}
      className="centre"
      data-testid={`centre-${centre.center_id}`}
    >
      <h3 id={`${id}-title`}>
        {t('facility.centre.heading', { name: centre.name, id: centre.center_id })}
      </h3>
      <p>
        {centre.address}, {centre.block_name}, {centre.pincode}
        <br />
        {t('facility.centre.hours', { opens: centre.opens_at, closes: centre.closes_at })}
        {' · '}
        {centre.fee_type === 'Free' ? t('facility.centre.free') : t('facility.centre.paid')}
        {!centre.active && ` · ${t('facility.centre.inactive')}`}
      </p>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      {editing ? (
        <CentreForm
          centre={centre}
          vaccines={vaccines}
          onCancel={() => setEditing(false)}
          save={async ({ district_id: _district, ...fields }) => {
            await facilityApi.updateCentre(centre.center_id, fields);
            await refresh();
            setEditing(false);
            setDone(t('facility.centre.saved', { name: fields.name }));
          }}
        />
      ) : (
        <button type="button" onClick={() => setEditing(true)}>
          {t('facility.centre.edit')}
        </button>
      )}
      <h4>{t('facility.sessions.title')}</h4>
      <SessionsTable
        centre={centre}
        onChange={(sessionId) => {
          setDone(null);
          setChanging(sessionId);
        }}
      />
      {session && (
        <SessionChangeForm
          key={session.session_id}
          session={session}
          change={async (capacity) => {
            await facilityApi.changeCapacity(session.session_id, capacity);
            await refresh();
          }}
          close={async () => {
            await facilityApi.closeSession(session.session_id);
            await refresh();
          }}
          onDone={(message) => {
            setChanging(null);
            setDone(message);
          }}
        />
      )}
      {centre.active && (
        <NewSessionForm
          vaccines={vaccines}
          fee={fee}
          create={async (body) => {
            await facilityApi.createSession(centre.center_id, body);
            await refresh();
          }}
        />
      )}
    </section>
  );
}

function MyCentres() {
  const { t } = useTranslation();
  const mine = useQuery({ queryKey: [...FACILITY_KEY, 'mine'], queryFn: facilityApi.mine });
  if (mine.isPending) return <p role="status">{t('app.loading')}</p>;
  if (mine.isError) return <p className="error">{facilityProblem(mine.error, t)}</p>;
  if (mine.data.centres.length === 0) return <p>{t('facility.none')}</p>;
  return (
    <>
      {mine.data.centres.map((centre) => (
        <CentreManager key={centre.center_id} centre={centre} vaccines={mine.data.vaccines} />
      ))}
    </>
  );
}

/** A centre opened by its id, for admins of a district or above: the server checks the place. */
function OpenedCentre({ centerId }: { centerId: number }) {
  const { t } = useTranslation();
  const one = useQuery({
    queryKey: [...FACILITY_KEY, 'centre', centerId],
    queryFn: () => facilityApi.managed(centerId),
    retry: false,
  });
  if (one.isPending) return <p role="status">{t('app.loading')}</p>;
  if (one.isError) return <FormProblem problem={facilityProblem(one.error, t)} />;
  const [centre] = one.data.centres;
  return centre ? <CentreManager centre={centre} vaccines={one.data.vaccines} /> : null;
}

/** What a district, state or national admin adds: open a centre by id, or create one. */
function AdminCentres() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [opened, setOpened] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const vaccines = useQuery({
    queryKey: [...FACILITY_KEY, 'mine'],
    queryFn: facilityApi.mine,
  }).data?.vaccines;

  function open(event: SyntheticEvent) {
    event.preventDefault();
    if (!/^[1-9]\d{0,8}$/.test(typed)) return setProblem(t('facility.open.badId'));
    setProblem(null);
    setOpened(Number(typed));
  }

  return (
    <>
      <form
        className="inline-form"
        onSubmit={open}
        noValidate
        aria-label={t('facility.open.title')}
      >
        <TextField
          label={t('facility.open.id')}
          inputMode="numeric"
          value={typed}
          onChange={(e) => setTyped(e.target.value.trim())}
        />
        <button type="submit">{t('facility.open.submit')}</button>
      </form>
      <FormProblem problem={problem} />
      {opened !== null && <OpenedCentre key={opened} centerId={opened} />}
      {creating ? (
        <CentreForm
          vaccines={vaccines ?? []}
          onCancel={() => setCreating(false)}
          save={async ({ active: _active, ...fields }) => {
            const { center_id: created } = await facilityApi.createCentre(fields);
            await queries.invalidateQueries({ queryKey: FACILITY_KEY });
            setCreating(false);
            setTyped(String(created));
            setOpened(created);
          }}
        />
      ) : (
        <button type="button" onClick={() => setCreating(true)}>
          {t('facility.centre.newTitle')}
        </button>
      )}
    </>
  );
}

/**
 * Centres and sessions, for facility admins (their own centres) and admins of a district or
 * above (any centre in their place, by id, and new centres). The server checks every call.
 */
export function FacilityAdminScreens({ grants }: { grants: Grant[] }) {
  const { t } = useTranslation();
  const id = useId();
  const facilityAdmin = grants.some((g) => g.role === 'facility-admin' && g.center_id !== null);
  const admin = grants.some((g) => ADMINS.includes(g.role));
  if (!facilityAdmin && !admin) return null;
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('facility.title')}</h2>
      <p className="hint">{t('facility.help')}</p>
      {facilityAdmin && <MyCentres />}
      {admin && <AdminCentres />}
    </section>
  );
}
