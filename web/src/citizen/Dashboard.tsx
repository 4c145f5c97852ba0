import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { jwtExpiry, SessionExpiry } from '../components/SessionExpiry';
import { AccessLog } from './AccessLog';
import { AddMemberForm } from './AddMemberForm';
import { type Appointment, type Beneficiary, citizenApi } from './api';
import { Consents } from './Consents';
import { Corrections } from './Corrections';
import { MemberCard } from './MemberCard';
import { SlotPicker } from './SlotPicker';

/** CoWIN: at most 4 people under one mobile number. */
const MAX_MEMBERS = 4;

/** The next dose a person can book: 1, 2, or 3 (precaution) after both. */
const nextDose = (b: Beneficiary) => (!b.dose1_date ? 1 : !b.dose2_date ? 2 : 3);

type Action =
  | { kind: 'add' }
  | { kind: 'book'; beneficiary: Beneficiary }
  | { kind: 'reschedule'; beneficiary: Beneficiary; appointment: Appointment };

export function Dashboard({
  token,
  onEnd,
}: {
  token: string;
  onEnd: (reason?: 'expired' | 'logged-out') => void;
}) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const api = useMemo(() => citizenApi(token), [token]);
  const expiresAt = useMemo(() => jwtExpiry(token), [token]);
  const [action, setAction] = useState<Action | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const members = useQuery({ queryKey: ['citizen', 'beneficiaries'], queryFn: api.beneficiaries });

  // A token the server no longer accepts (expired, revoked elsewhere) ends the login here.
  useEffect(() => {
    if (members.error instanceof ApiError && members.error.status === 401) onEnd('expired');
  }, [members.error, onEnd]);

  const refresh = (message: string) => {
    setAction(null);
    setDone(message);
    void queries.invalidateQueries({ queryKey: ['citizen', 'beneficiaries'] });
    void queries.invalidateQueries({ queryKey: ['citizen', 'access-log'] });
  };

  async function logout() {
    // The token is revoked on every node; if that call fails the page forgets it anyway.
    await api.logout().catch(() => undefined);
    onEnd('logged-out');
  }

  const list = members.data ?? [];
  const mobile = list[0]?.mobile_number;
  return (
    <section aria-labelledby="account-title">
      <div className="account-bar">
        <h1 id="account-title">{t('citizen.account.title')}</h1>
        <button type="button" onClick={() => void logout()}>
          {t('citizen.account.logout')}
        </button>
      </div>
      {mobile && <p className="hint">{t('citizen.account.mobile', { mobile })}</p>}
      {expiresAt && <SessionExpiry expiresAt={expiresAt} onExpired={() => onEnd('expired')} />}
      {done && (
        <p role="status" className="success" data-testid="done">
          {done}
        </p>
      )}

      <h2>{t('citizen.account.members', { count: list.length, max: MAX_MEMBERS })}</h2>
      {members.isPending && <p role="status">{t('app.loading')}</p>}
      {members.isError && !(members.error instanceof ApiError && members.error.status === 401) && (
        <p role="alert">{t('search.error')}</p>
      )}
      {members.data?.length === 0 && <p>{t('citizen.account.noMembers')}</p>}
      <ul className="members">
        {list.map((beneficiary) => (
          <MemberCard
            key={beneficiary.beneficiary_reference_id}
            api={api}
            beneficiary={beneficiary}
            onBook={() => {
              setDone(null);
              setAction({ kind: 'book', beneficiary });
            }}
            onReschedule={(appointment) => {
              setDone(null);
              setAction({ kind: 'reschedule', beneficiary, appointment });
            }}
            onCancelled={() => refresh(t('citizen.appointment.cancelled'))}
          />
        ))}
      </ul>

      {action?.kind === 'book' && (
        <SlotPicker
          title={t('citizen.book.title', { name: action.beneficiary.name })}
          dose={nextDose(action.beneficiary)}
          onClose={() => setAction(null)}
          onConfirm={async ({ session, slot }) => {
            const booked = await api.schedule({
              dose: nextDose(action.beneficiary),
              session_id: session.session_id,
              slot,
              beneficiaries: [action.beneficiary.beneficiary_reference_id],
            });
            refresh(t('citizen.book.booked', { number: booked.appointment_confirmation_no }));
          }}
        />
      )}
      {action?.kind === 'reschedule' && (
        <SlotPicker
          title={t('citizen.book.rescheduleTitle', { name: action.beneficiary.name })}
          dose={action.appointment.dose}
          onClose={() => setAction(null)}
          onConfirm={async ({ session, slot }) => {
            await api.reschedule({
              appointment_id: action.appointment.appointment_id,
              session_id: session.session_id,
              slot,
            });
            refresh(t('citizen.book.rescheduled'));
          }}
        />
      )}
      {action?.kind === 'add' ? (
        <AddMemberForm
          api={api}
          onClose={() => setAction(null)}
          onAdded={(name) => refresh(t('citizen.member.added', { name }))}
        />
      ) : (
        members.data && (
          <p>
            <button
              type="button"
              className="primary"
              disabled={list.length >= MAX_MEMBERS}
              aria-describedby="members-limit"
              onClick={() => {
                setDone(null);
                setAction({ kind: 'add' });
              }}
            >
              {t('citizen.member.open')}
            </button>{' '}
            <span className="hint" id="members-limit">
              {list.length >= MAX_MEMBERS
                ? t('citizen.member.full', { max: MAX_MEMBERS })
                : t('citizen.member.room', { count: MAX_MEMBERS - list.length })}
            </span>
          </p>
        )
      )}

      <Corrections api={api} members={list} />
      <Consents api={api} members={list} />
      <AccessLog api={api} members={list} />
    </section>
  );
}
