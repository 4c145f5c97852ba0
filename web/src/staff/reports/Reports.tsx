import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../../api';
import { Link } from '../../router';
import type { Grant } from '../api';
import { placeOf } from '../place';
import { PlacePanel } from '../PlacePanel';
import { type AefiReport, reportsApi } from './api';

function AefiTable({ report, place }: { report: AefiReport; place: string }) {
  const { t, i18n } = useTranslation();
  const noteId = useId();
  const caption = t('reports.aefiCaption', { place });
  if (report.counts.length === 0) {
    return <p data-testid="aefi-none">{t('reports.none', { place })}</p>;
  }
  return (
    <>
      {/* Focusable, so that keyboard users can scroll a table wider than a phone. */}
      <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
        <table data-testid="aefi-report">
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t('reports.vaccine')}</th>
              <th scope="col">{t('reports.severity')}</th>
              <th scope="col">{t('reports.count')}</th>
            </tr>
          </thead>
          <tbody>
            {report.counts.map((row) => (
              <tr key={`${row.vaccine}-${row.severity}`}>
                <th scope="row">{row.vaccine}</th>
                <td>{t(`reports.severities.${row.severity}`)}</td>
                <td>
                  {/* The only text a count can be is the server's "<5". */}
                  {typeof row.count === 'string' ? (
                    <span aria-describedby={noteId}>{row.count}</span>
                  ) : (
                    row.count.toLocaleString(i18n.language === 'hi' ? 'hi-IN' : 'en-IN')
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p id={noteId} className="hint">
        {t('reports.smallNote', {
          small: `<${report.suppressed_below}`,
          threshold: report.suppressed_below,
        })}
      </p>
    </>
  );
}

/** The report of one place: what it covers and its AEFI table, or why there is none. */
function PlaceReport({ place }: { place: Grant }) {
  const { t } = useTranslation();
  const where = placeOf(place, t);
  const aefi = useQuery({
    queryKey: ['staff', 'reports', 'aefi', place],
    queryFn: () => reportsApi.aefi(place),
    retry: false,
  });
  if (aefi.isPending) return <p role="status">{t('reports.loading')}</p>;
  if (aefi.isError) {
    const refused = aefi.error instanceof ApiError && aefi.error.status === 403;
    return (
      <div role="alert">
        <p className="error">{t(refused ? 'reports.forbidden' : 'reports.failed')}</p>
        {/* A refusal stays one; a lost answer may come on a second try. */}
        {!refused && (
          <button type="button" disabled={aefi.isFetching} onClick={() => void aefi.refetch()}>
            {t('reports.retry')}
          </button>
        )}
      </div>
    );
  }
  return (
    <>
      <p data-testid="report-scope">{t('reports.scope', { place: where })}</p>
      <AefiTable report={aefi.data} place={where} />
    </>
  );
}

/** Reports for district, state and national admins: aggregate counts of their place only. */
export function ReportsPanel({ grants }: { grants: Grant[] }) {
  const { t } = useTranslation();
  return (
    <PlacePanel
      grants={grants}
      title={t('reports.title')}
      help={t('reports.help')}
      choiceLabel={t('reports.place')}
    >
      {(place) => (
        <>
          <PlaceReport place={place} />
          <p>
            <Link href="/dashboard">{t('reports.dashboard')}</Link>
          </p>
        </>
      )}
    </PlacePanel>
  );
}
