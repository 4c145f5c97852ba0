import type { DoseReport } from './service.js';

const BREAKDOWNS = [
  'doses_per_day',
  'by_state',
  'by_vaccine',
  'by_gender',
  'by_dose_number',
  'by_age_group',
] as const satisfies readonly (keyof DoseReport)[];

/** RFC 4180 field: always quoted, inner quotes doubled. */
const field = (value: string | number) => `"${String(value).replaceAll('"', '""')}"`;

/** The report as one CSV table: a row per published cell, suppressed cells left empty. */
export function reportCsv(report: DoseReport): string {
  const rows = [['breakdown', 'key', 'label', 'doses', 'suppressed']];
  rows.push([
    'total',
    '',
    'All doses',
    String(report.total_doses ?? ''),
    String(report.total_doses === null),
  ]);
  for (const breakdown of BREAKDOWNS) {
    for (const cell of report[breakdown]) {
      rows.push([
        breakdown,
        String(cell.key),
        cell.label,
        String(cell.doses ?? ''),
        String(cell.suppressed),
      ]);
    }
  }
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
