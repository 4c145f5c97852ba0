import type { TFunction } from 'i18next';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

import type { Shown } from './VerifyPage';

/** The dose's day as India's calendar shows it (the certificate PDF prints the same day). */
const doseDay = (iso: string, language: string) =>
  new Date(iso).toLocaleDateString(language === 'hi' ? 'hi-IN' : 'en-IN', {
    timeZone: 'Asia/Kolkata',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });

/** How fresh the revocation answer is: checked just now, from the list saved on a date, or not at all. */
function revocationNote(shown: Extract<Shown, { status: 'valid' | 'revoked' }>, t: TFunction) {
  const { revocations } = shown;
  if (!revocations) return t('verify.revocation.unchecked');
  const date = new Date(revocations.fetchedAt).toLocaleString();
  if (shown.status === 'revoked') {
    return revocations.live
      ? t('verify.revocation.listedLive')
      : t('verify.revocation.listedSaved', { date });
  }
  return revocations.live ? t('verify.revocation.live') : t('verify.revocation.saved', { date });
}

export function VerifyResult({ shown, busy }: { shown: Shown | null; busy: boolean }) {
  const { t, i18n } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  // Move focus to the answer, so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (shown) heading.current?.focus();
  }, [shown]);

  if (busy) {
    return (
      <p className="result pending" role="status">
        {t('verify.checking')}
      </p>
    );
  }
  if (!shown) return null;
  const status = shown.status;
  const format =
    shown.status === 'valid' || shown.status === 'revoked'
      ? shown.facts.format
      : shown.status === 'invalid'
        ? shown.format
        : undefined;
  return (
    <div className={`result ${status}`} data-testid="verify-result" data-status={status}>
      <h2 ref={heading} tabIndex={-1}>
        {t(`verify.status.${status}`)}
      </h2>
      {format && (
        <p data-testid="verify-format" data-format={format}>
          {t('verify.format.label', { format: t(`verify.format.${format}`) })}
        </p>
      )}
      {shown.status === 'invalid' && <p>{t(`verify.reason.${shown.reason}`)}</p>}
      {shown.status === 'revoked' && <p>{t('verify.reason.revoked')}</p>}
      {(shown.status === 'no-qr' || shown.status === 'no-keys') && (
        <p>{t(`verify.reason.${shown.status}`)}</p>
      )}
      {(shown.status === 'valid' || shown.status === 'revoked') && (
        <>
          <dl className="facts">
            {shown.status === 'valid' && (
              <>
                <dt>{t('verify.facts.name')}</dt>
                <dd data-testid="fact-name">{shown.facts.name}</dd>
                <dt>{t('verify.facts.birthDate')}</dt>
                <dd data-testid="fact-birth-date">{shown.facts.birthDate}</dd>
                <dt>{t('verify.facts.dose')}</dt>
                <dd data-testid="fact-dose">
                  {shown.facts.dose
                    ? t('verify.facts.doseOf', { n: shown.facts.dose.n, m: shown.facts.dose.of })
                    : t('verify.facts.doseNotCarried')}
                </dd>
                <dt>{t('verify.facts.date')}</dt>
                <dd>{doseDay(shown.facts.date, i18n.language)}</dd>
                <dt>{t('verify.facts.vaccine')}</dt>
                <dd>{shown.facts.vaccine}</dd>
              </>
            )}
            {shown.facts.certificateId !== undefined && (
              <>
                <dt>{t('verify.facts.id')}</dt>
                <dd>{shown.facts.certificateId}</dd>
              </>
            )}
          </dl>
          <p className="hint" data-testid="revocation-note">
            {revocationNote(shown, t)}
          </p>
        </>
      )}
    </div>
  );
}
