import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { FormProblem } from '../components/TextField';
import type { Beneficiary, CitizenApi, Consent } from './api';
import { useIndiaTime } from './time';

/** The consents given to partners from this mobile: who may read what, and revoking one. */
export function Consents({ api, members }: { api: CitizenApi; members: Beneficiary[] }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const when = useIndiaTime();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['citizen', 'consents'],
    queryFn: api.consents,
    enabled: open,
  });
  const names = new Map(members.map((m) => [m.beneficiary_reference_id, m.name]));

  async function revoke(consent: Consent) {
    setBusy(true);
    setProblem(null);
    try {
      await api.revokeConsent(consent.consent_id);
      setDone(t('citizen.consents.revoked', { partner: consent.partner }));
    } catch (error) {
      // 404: revoked elsewhere, expired or used up meanwhile; the refreshed list shows which.
      setProblem(
        error instanceof ApiError && error.status === 404
          ? t('citizen.consents.gone')
          : t('citizen.consents.revokeFailed'),
      );
    } finally {
      setBusy(false);
      setConfirming(null);
      void queries.invalidateQueries({ queryKey: ['citizen', 'consents'] });
      void queries.invalidateQueries({ queryKey: ['citizen', 'access-log'] });
    }
  }

  return (
    <section aria-labelledby="consents-title" className="consents">
      <h2 id="consents-title">{t('citizen.consents.title')}</h2>
      <p className="hint">{t('citizen.consents.intro')}</p>
      {!open && (
        <button type="button" onClick={() => setOpen(true)}>
          {t('citizen.consents.show')}
        </button>
      )}
      {open && list.isPending && <p role="status">{t('app.loading')}</p>}
      {list.isError && <p role="alert">{t('search.error')}</p>}
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <FormProblem problem={problem} />
      {list.data?.length === 0 && <p>{t('citizen.consents.none')}</p>}
      {list.data && list.data.length > 0 && (
        <ul className="consent-list">
          {list.data.map((consent) => (
            <li key={consent.consent_id} className="consent" data-testid="consent">
              <h3>{consent.partner}</h3>
              <dl className="facts">
                <dt>{t('citizen.consents.person')}</dt>
                <dd>
                  {names.get(consent.beneficiary_reference_id) ?? consent.beneficiary_reference_id}
                </dd>
                <dt>{t('citizen.consents.scope')}</dt>
                <dd>{t(`citizen.consents.scopes.${consent.scope}`)}</dd>
                <dt>{t('citizen.consents.purpose')}</dt>
                <dd>{consent.purpose}</dd>
                <dt>{t('citizen.consents.given')}</dt>
                <dd>{when(consent.created_at)}</dd>
                <dt>{t('citizen.consents.until')}</dt>
                <dd>{when(consent.expires_at)}</dd>
                <dt>{t('citizen.consents.status')}</dt>
                <dd data-testid="consent-status">
                  {t(`citizen.consents.statuses.${consent.status}`)}
                  {consent.status === 'active' &&
                    ` (${t('citizen.consents.usesLeft', { count: consent.uses_left })})`}
                </dd>
              </dl>
              {consent.status === 'active' &&
                (confirming === consent.consent_id ? (
                  <div
                    className="actions"
                    role="group"
                    aria-label={t('citizen.consents.sure', { partner: consent.partner })}
                  >
                    <span>{t('citizen.consents.sure', { partner: consent.partner })}</span>
                    <button
                      type="button"
                      className="danger"
                      disabled={busy}
                      onClick={() => void revoke(consent)}
                    >
                      {busy ? t('citizen.consents.revoking') : t('citizen.consents.yesRevoke')}
                    </button>
                    <button type="button" disabled={busy} onClick={() => setConfirming(null)}>
                      {t('citizen.consents.keep')}
                    </button>
                  </div>
                ) : (
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => {
                      setDone(null);
                      setProblem(null);
                      setConfirming(consent.consent_id);
                    }}
                  >
                    {t('citizen.consents.revoke')}
                  </button>
                ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
