import QRCode from 'qrcode';
import { type SyntheticEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { FormProblem, ONE_TIME_CODE, TextField } from '../components/TextField';
import { Link } from '../router';
import { staffApi } from '../staff/api';

/** Server refusals with words of our own; anything else shows the server's plain message. */
const KNOWN = new Set([
  'enrolment-link-invalid',
  'enrolment-link-used',
  'enrolment-link-expired',
  'wrong-code',
  'password-unchanged',
]);

function problemText(error: unknown, t: (key: string) => string): string {
  if (error instanceof ApiError) {
    if (KNOWN.has(error.code)) return t(`staff.enrol.errors.${error.code}`);
    if (error.status === 429) return t('staff.login.tooMany');
    if (error.status < 500) return error.message;
  }
  return t('search.error');
}

/** Groups a base32 secret in fours, as authenticator apps show it, for typing in by hand. */
const grouped = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim();

type Step =
  | { kind: 'opening' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; username: string; secret: string; qr: string }
  | { kind: 'done' };

/**
 * First-time enrolment (and forced reset) from the one-time link /staff/enrol#token: the
 * token rides in the fragment, which browsers never send to a server or put in a Referer.
 */
export function EnrolPage() {
  const { t } = useTranslation();
  const id = useId();
  const [token] = useState(() => window.location.hash.slice(1));
  const [step, setStep] = useState<Step>({ kind: 'opening' });
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    // Out of the address bar and history: the link is a credential until it is spent.
    window.history.replaceState(null, '', window.location.pathname);
    if (!token) {
      setStep({ kind: 'failed', message: t('staff.enrol.errors.enrolment-link-invalid') });
      return;
    }
    staffApi
      .startEnrolment(token)
      .then(async (started) => ({
        kind: 'ready' as const,
        username: started.username,
        secret: started.totpSecret,
        qr: await QRCode.toDataURL(started.otpauthUrl, { errorCorrectionLevel: 'M', scale: 6 }),
      }))
      .then(setStep, (error: unknown) =>
        setStep({ kind: 'failed', message: problemText(error, t) }),
      );
  }, [token, t]);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (password.length < 8) {
      setProblem(t('staff.enrol.short'));
      return;
    }
    // Both are what the user just typed on this page, compared to catch a typo: no stored
    // secret is involved, so timing tells an attacker nothing.
    // eslint-disable-next-line security/detect-possible-timing-attacks
    if (password !== again) {
      setProblem(t('staff.enrol.mismatch'));
      return;
    }
    if (!/^\d{6}$/.test(code)) {
      setProblem(t('staff.login.badCode'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await staffApi.completeEnrolment({ token, password, code });
      setStep({ kind: 'done' });
    } catch (error) {
      setProblem(problemText(error, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{t('staff.enrol.title')}</h1>
      {step.kind === 'opening' && <p role="status">{t('staff.enrol.opening')}</p>}
      {step.kind === 'failed' && (
        <div role="alert" className="result invalid" data-testid="enrol-failed">
          <p>{step.message}</p>
        </div>
      )}
      {step.kind === 'done' && (
        <div role="status" className="success" data-testid="enrolled">
          <p>{t('staff.enrol.done')}</p>
          <Link href="/staff">{t('staff.enrol.toLogin')}</Link>
        </div>
      )}
      {step.kind === 'ready' && (
        <>
          <p>{t('staff.enrol.for', { username: step.username })}</p>
          <div className="panel">
            <h2>{t('staff.enrol.step1')}</h2>
            <p>{t('staff.enrol.scan')}</p>
            <img
              className="totp-qr"
              src={step.qr}
              alt={t('staff.enrol.qrAlt')}
              width={240}
              height={240}
            />
            <p>{t('staff.enrol.manual')}</p>
            <p>
              <code className="secret" data-testid="totp-secret">
                {grouped(step.secret)}
              </code>
            </p>
          </div>
          <form className="panel" onSubmit={(e) => void submit(e)} noValidate>
            <h2>{t('staff.enrol.step2')}</h2>
            <TextField
              label={t('staff.enrol.password')}
              hint={t('staff.enrol.passwordHint')}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <TextField
              label={t('staff.enrol.again')}
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
            />
            <TextField
              label={t('staff.enrol.code')}
              {...ONE_TIME_CODE}
              value={code}
              onChange={(e) => setCode(e.target.value.trim())}
            />
            <FormProblem problem={problem} />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('staff.enrol.saving') : t('staff.enrol.finish')}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
