import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { getJson } from '../api';

interface Cell {
  key: string | number;
  label: string;
  doses: number | null;
  suppressed: boolean;
}

interface DoseReport {
  generated_at: string;
  suppression_threshold: number;
  total_doses: number | null;
  doses_per_day: Cell[];
  by_state: Cell[];
  by_vaccine: Cell[];
  by_gender: Cell[];
  by_dose_number: Cell[];
  by_age_group: Cell[];
}

const BREAKDOWNS = [
  'doses_per_day',
  'by_state',
  'by_vaccine',
  'by_gender',
  'by_dose_number',
  'by_age_group',
] as const;

const BAR = 22;
const LABEL_WIDTH = 130;
const CHART_WIDTH = 320;

/** A horizontal bar chart (SVG, sized by attributes, no inline styles) and its table. */
function Breakdown({
  title,
  cells,
  column,
}: {
  title: string;
  cells: Cell[];
  column: 'day' | 'group' | 'age';
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const format = (n: number) => n.toLocaleString(i18n.language === 'hi' ? 'hi-IN' : 'en-IN');
  const max = Math.max(1, ...cells.map((c) => c.doses ?? 0));
  const barSpace = CHART_WIDTH - LABEL_WIDTH - 50;
  // A hidden cell may be under the threshold or hidden only to protect one that is; the
  // server does not say which (telling them apart can reveal the small count), so neither
  // is labelled "fewer than 5". The total is hidden only when it is itself small.
  // Age groups are named here, in the page's language; the other groups are proper names.
  const label = (c: Cell) =>
    column === 'age'
      ? t(`dashboard.ageGroup.${String(c.key)}`, { defaultValue: c.label })
      : c.label;
  const shown = (c: Cell) => (c.doses === null ? t('dashboard.notShown') : format(c.doses));
  return (
    <section className="dashboard-breakdown" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {cells.length === 0 ? (
        <p>{t('dashboard.empty')}</p>
      ) : (
        <>
          <svg
            role="img"
            aria-label={t('dashboard.chartLabel', { title })}
            viewBox={`0 0 ${CHART_WIDTH} ${cells.length * BAR + 4}`}
            className="dashboard-chart"
          >
            {cells.map((c, i) => (
              <g key={String(c.key)} transform={`translate(0 ${i * BAR + 2})`}>
                <text x={LABEL_WIDTH - 6} y={BAR / 2 + 4} textAnchor="end" className="chart-label">
                  {label(c).length > 18 ? `${label(c).slice(0, 17)}…` : label(c)}
                </text>
                <rect
                  x={LABEL_WIDTH}
                  y={3}
                  height={BAR - 6}
                  width={c.doses === null ? 0 : Math.max(1, (c.doses / max) * barSpace)}
                  className="chart-bar"
                />
                <text
                  x={LABEL_WIDTH + (c.doses === null ? 0 : (c.doses / max) * barSpace) + 4}
                  y={BAR / 2 + 4}
                  className="chart-value"
                >
                  {shown(c)}
                </text>
              </g>
            ))}
          </svg>
          <table className="dashboard-table">
            <caption>{t('dashboard.tableCaption', { title })}</caption>
            <thead>
              <tr>
                <th scope="col">{t(`dashboard.column.${column}`)}</th>
                <th scope="col">{t('dashboard.column.doses')}</th>
              </tr>
            </thead>
            <tbody>
              {cells.map((c) => (
                <tr key={String(c.key)}>
                  <th scope="row">{label(c)}</th>
                  <td>{shown(c)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The public dashboard: aggregate doses from the reports API, suppressed by the server. */
export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const [report, setReport] = useState<DoseReport | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    getJson<DoseReport>('/api/v1/reports/public/doses').then(setReport, () => setFailed(true));
  }, []);

  return (
    <section>
      <h1>{t('dashboard.title')}</h1>
      {failed ? (
        <p role="alert">{t('dashboard.failed')}</p>
      ) : !report ? (
        <p role="status">{t('dashboard.loading')}</p>
      ) : (
        <>
          <p className="dashboard-total">
            {t('dashboard.total')}{' '}
            <strong>
              {report.total_doses === null
                ? t('dashboard.suppressed')
                : report.total_doses.toLocaleString(i18n.language === 'hi' ? 'hi-IN' : 'en-IN')}
            </strong>
          </p>
          <p>
            {t('dashboard.note', { threshold: report.suppression_threshold })}{' '}
            {t('dashboard.asOf', {
              time: new Date(report.generated_at).toLocaleString(
                i18n.language === 'hi' ? 'hi-IN' : 'en-IN',
                { timeZone: 'Asia/Kolkata' },
              ),
            })}{' '}
            <a href="/api/v1/reports/public/doses?format=csv" download>
              {t('dashboard.csv')}
            </a>
          </p>
          {BREAKDOWNS.map((b) => (
            <Breakdown
              key={b}
              title={t(`dashboard.${b}`)}
              cells={report[b]}
              column={b === 'doses_per_day' ? 'day' : b === 'by_age_group' ? 'age' : 'group'}
            />
          ))}
        </>
      )}
    </section>
  );
}
