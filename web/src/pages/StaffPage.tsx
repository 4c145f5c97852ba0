import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, type SyntheticEvent, useCallback, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { SessionExpiry } from '../components/SessionExpiry';
import { FormProblem, ONE_TIME_CODE, TextField } from '../components/TextField';
import { navigate } from '../router';
import { StaffAccountsPanel } from '../staff/accounts/StaffAccounts';
import { NationalAdminScreens } from '../staff/admin/NationalAdmin';
import { PartnerClientsPanel } from '../staff/admin/PartnerClients';
import { csrf, staffApi } from '../staff/api';
import { CorrectionsPanel } from '../staff/corrections/Corrections';
import { Desk } from '../staff/desk/Desk';
import { FacilityAdminScreens } from '../staff/facility/FacilityAdmin';
import { placeOf } from '../staff/place';
import { ReportsPanel } from '../staff/reports/Reports';

// The auditor's checks bring zod, JCS and the proof code: loaded only for auditors.
const AuditorScreens = lazy(async () => ({
  default: (await import('../staff/audit/AuditorScreens')).AuditorScreens,
}));

/** Staff sessions end after 30 minutes without a request (ASVS V7.3; server/modules/staff). */
const IDLE_MS = 30 * 60_000;

export function StaffPage() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [lastActive, setLastActive] = useState(() => Date.now());
  // Once this page ends a session it shows the login until the next one, whatever a late
  // answer of /me says.
  const [ended, setEnded] = useState(false);
  const me = useQuery({
    queryKey: ['staff', 'me'],
    queryFn: staffApi.me,
    retry: false,
    enabled: !ended,
  });
  const signedIn = !ended && me.data !== undefined && !me.isError;

  const end = useCallback(
    (message: string) => {
      // The server is told too (best effort), so that a session this page gave up on by its
      // own clock cannot be picked up again by anyone holding the cookie.
      void staffApi.logout().catch(() => undefined);
      csrf.clear();
      setEnded(true);
      setNotice(message);
      queries.removeQueries({ queryKey: ['staff', 'me'] });
    },
    [queries],
  );

  if (!ended && me.isPending) return <p role="status">{t('app.loading')}</p>;
  if (!signedIn) {
    return (
      <StaffLogin
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          setLastActive(Date.now());
          setEnded(false);
          void me.refetch();
        }}
      />
    );
  }
  return (
    <section aria-labelledby="staff-title">
      <div className="account-bar">
        <h1 id="staff-title">{t('staff.home.title')}</h1>
        <button type="button" onClick={() => end(t('staff.home.loggedOut'))}>
          {t('staff.home.logout')}
        </button>
      </div>
      <SessionExpiry
        expiresAt={new Date(lastActive + IDLE_MS)}
        onExpired={() => end(t('staff.home.expired'))}
        onExtend={async () => {
          // Any authenticated request counts as use; it fails once the session is gone.
          await staffApi.me();
          setLastActive(Date.now());
        }}
      />
      <h2>{t('staff.home.roles')}</h2>
      <ul data-testid="grants">
        {me.data.grants.map((grant) => (
          <li key={`${grant.role}-${placeOf(grant, t)}`}>
            <strong>{t(`staff.roles.${grant.role}`, { defaultValue: grant.role })}</strong>:{' '}
            {placeOf(grant, t)}
          </li>
        ))}
      </ul>
      <p className="hint">{t('staff.home.twoFactor')}</p>
      <Desk grants={me.data.grants} />
      <FacilityAdminScreens grants={me.data.grants} />
      <StaffAccountsPanel grants={me.data.grants} />
      <CorrectionsPanel grants={me.data.grants} />
      <ReportsPanel grants={me.data.grants} />
      {me.data.grants.some((g) => g.role === 'national-admin') && <NationalAdminScreens />}
      {me.data.grants.some((g) => g.role === 'national-admin' || g.role === 'partner-manager') && (
        <PartnerClientsPanel />
      )}
      {/* The trail is one national log: auditors held for the whole country read it. */}
      {me.data.grants.some(
        (g) =>
          g.role === 'auditor' &&
          g.state_id === null &&
          g.district_id === null &&
          g.center_id === null,
      ) && (
        <Suspense fallback={<p role="status">{t('app.loading')}</p>}>
          <AuditorScreens />
        </Suspense>
      )}
    </section>
  );
}

function StaffLogin({ notice, onSignedIn }: { notice: string | null; onSignedIn: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (!username || !password) {
      setProblem(t('staff.login.missing'));
      return;
    }
    if (!/^\d{6}$/.test(code)) {
      setProblem(t('staff.login.badCode'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const result = await staffApi.login({ username, password, code });
      if (result.status === 'reset-required') {
        navigate(`/staff/enrol#${result.enrolmentToken}`);
        return;
      }
      csrf.set(result.csrfToken);
      onSignedIn();
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.status === 429
          ? t('staff.login.tooMany')
          : error instanceof ApiError && error.status === 401
            ? t('staff.login.wrong')
            : t('search.error'),
      );
      setCode('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{t('staff.login.title')}</h1>
      {notice && (
        <p role="status" className="warning">
          {notice}
        </p>
      )}
      <form className="panel" onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          label={t('staff.login.username')}
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value.trim())}
        />
        <TextField
          label={t('staff.login.password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <TextField
          label={t('staff.login.code')}
          hint={t('staff.login.codeHint')}
          {...ONE_TIME_CODE}
          value={code}
          onChange={(e) => setCode(e.target.value.trim())}
        />
        <FormProblem problem={problem} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('staff.login.checking') : t('staff.login.submit')}
        </button>
      </form>
    </section>
  );
}
