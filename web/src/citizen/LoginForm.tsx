import { type SyntheticEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { FormProblem, ONE_TIME_CODE, TextField } from '../components/TextField';
import { citizenAuth } from './api';

const MOBILE = /^[6-9]\d{9}$/;

function problemKey(error: unknown, step: 'send' | 'confirm'): string {
  if (error instanceof ApiError) {
    if (error.status === 429) return 'citizen.login.tooMany';
    if (step === 'confirm' && (error.status === 400 || error.status === 401)) {
      return 'citizen.login.wrongOtp';
    }
    if (error.status === 503) return 'citizen.login.unavailable';
  }
  return 'citizen.login.failed';
}

/** OTP login: the mobile number, then the 6-digit code sent to it by SMS. */
export function LoginForm({
  onLoggedIn,
  notice,
}: {
  onLoggedIn: (token: string) => void;
  notice?: string;
}) {
  const { t } = useTranslation();
  const [mobile, setMobile] = useState('');
  const [txnId, setTxnId] = useState<string | null>(null);
  const [otp, setOtp] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function send(event: SyntheticEvent) {
    event.preventDefault();
    if (!MOBILE.test(mobile)) {
      setProblem('citizen.login.badMobile');
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      setTxnId((await citizenAuth.generateOtp(mobile)).txnId);
      setOtp('');
    } catch (error) {
      setProblem(problemKey(error, 'send'));
    } finally {
      setBusy(false);
    }
  }

  async function confirm(event: SyntheticEvent) {
    event.preventDefault();
    if (!txnId) return;
    if (!/^\d{6}$/.test(otp)) {
      setProblem('citizen.login.badOtp');
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      onLoggedIn((await citizenAuth.confirmOtp(txnId, otp)).token);
    } catch (error) {
      setProblem(problemKey(error, 'confirm'));
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="login-title">
      <h1 id="login-title">{t('citizen.login.title')}</h1>
      {notice && (
        <p className="warning" role="status">
          {notice}
        </p>
      )}
      {txnId === null ? (
        <form className="panel" onSubmit={(e) => void send(e)} noValidate>
          <TextField
            label={t('citizen.login.mobile')}
            hint={t('citizen.login.mobileHint')}
            type="tel"
            inputMode="numeric"
            autoComplete="tel-national"
            maxLength={10}
            value={mobile}
            onChange={(e) => setMobile(e.target.value.trim())}
          />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('citizen.login.sending') : t('citizen.login.getOtp')}
          </button>
        </form>
      ) : (
        <form className="panel" onSubmit={(e) => void confirm(e)} noValidate>
          <p role="status">{t('citizen.login.sent', { last: mobile.slice(-4) })}</p>
          <TextField
            label={t('citizen.login.otp')}
            {...ONE_TIME_CODE}
            value={otp}
            onChange={(e) => setOtp(e.target.value.trim())}
          />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('citizen.login.checking') : t('citizen.login.confirm')}
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => {
                setTxnId(null);
                setProblem(null);
              }}
            >
              {t('citizen.login.changeNumber')}
            </button>
          </div>
        </form>
      )}
      <FormProblem problem={problem && t(problem)} />
    </section>
  );
}
