import { useInfiniteQuery } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { TrailRecord } from '../../../../server/modules/audit/schemas.js';
import { ApiError } from '../../api';
import { FormProblem, TextField } from '../../components/TextField';
import { auditApi, type TrailFilters } from './api';

const EMPTY = { action: '', actor: '', subject_type: '', subject_id: '', from: '', to: '' };
type Draft = typeof EMPTY;

/** A datetime-local value (this device's time zone) as an instant the API takes, if set. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

function filtersOf(draft: Draft): TrailFilters {
  const text = (value: string) => value.trim() || undefined;
  return {
    action: text(draft.action),
    actor: text(draft.actor),
    subject_type: text(draft.subject_type),
    subject_id: text(draft.subject_id),
    from: instant(draft.from),
    to: instant(draft.to),
  };
}

function FilterForm({ onApply }: { onApply: (filters: TrailFilters) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState(EMPTY);
  const field = (name: keyof Draft) => ({
    value: draft[name],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value }),
  });
  function apply(event: SyntheticEvent) {
    event.preventDefault();
    onApply(filtersOf(draft));
  }
  return (
    <form onSubmit={apply} noValidate aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('audit.trail.filters')}</h4>
      <TextField
        label={t('audit.trail.action')}
        hint={t('audit.trail.actionHint')}
        {...field('action')}
      />
      <TextField
        label={t('audit.trail.actor')}
        hint={t('audit.trail.actorHint')}
        {...field('actor')}
      />
      <TextField label={t('audit.trail.subjectType')} {...field('subject_type')} />
      <TextField label={t('audit.trail.subjectId')} {...field('subject_id')} />
      <TextField label={t('audit.trail.from')} type="datetime-local" step={1} {...field('from')} />
      <TextField label={t('audit.trail.to')} type="datetime-local" step={1} {...field('to')} />
      <button type="submit" className="primary">
        {t('audit.trail.apply')}
      </button>
      <button
        type="button"
        onClick={() => {
          setDraft(EMPTY);
          onApply(filtersOf(EMPTY));
        }}
      >
        {t('audit.trail.clear')}
      </button>
    </form>
  );
}

function problemOf(error: Error, t: (key: string) => string): string {
  if (error instanceof ApiError && error.status === 400) {
    return [t('audit.trail.badFilter'), ...error.errors.map((e) => `${e.path}: ${e.message}`)].join(
      ' ',
    );
  }
  if (error instanceof ApiError && error.status === 403) return t('audit.trail.forbidden');
  return t('admin.failed');
}

function RecordRow({ record, onCheck }: { record: TrailRecord; onCheck: () => void }) {
  const { t } = useTranslation();
  const actor = [record.actor_type, record.actor_role, record.actor_id].filter(Boolean).join(' · ');
  const subject = record.subject_type ? `${record.subject_type}: ${record.subject_id ?? ''}` : '';
  const details = Object.entries(record.details)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(', ');
  return (
    <tr>
      <td>{record.id}</td>
      <td>
        <time dateTime={record.at}>{new Date(record.at).toLocaleString()}</time>
      </td>
      <td>
        <code>{record.action}</code>
      </td>
      <td>
        {t(`audit.trail.outcomes.${record.outcome}`, { defaultValue: record.outcome })}
        {record.reason && `: ${record.reason}`}
      </td>
      <td>{actor}</td>
      <td>{subject}</td>
      <td>{details}</td>
      <td>
        <button type="button" onClick={onCheck}>
          {t('audit.trail.check', { id: record.id })}
        </button>
      </td>
    </tr>
  );
}

/** The trail, newest first, with filters and "more": every page read is itself recorded. */
export function Trail({ onCheck }: { onCheck: (record: TrailRecord) => void }) {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<TrailFilters>({});
  const pages = useInfiniteQuery({
    queryKey: ['audit', 'trail', filters],
    queryFn: ({ pageParam }) => auditApi.trail(filters, pageParam),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next ?? undefined,
    // Each read is an audit record: read again only when asked.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const records = pages.data?.pages.flatMap((page) => page.records) ?? [];
  const caption = t('audit.trail.caption');
  return (
    <>
      <FilterForm onApply={setFilters} />
      {pages.isPending && <p role="status">{t('app.loading')}</p>}
      {pages.error && <FormProblem problem={problemOf(pages.error, t)} />}
      {pages.data && records.length === 0 && (
        <p data-testid="audit-trail">{t('audit.trail.none')}</p>
      )}
      {records.length > 0 && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
          <table data-testid="audit-trail">
            <caption>{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t('audit.trail.id')}</th>
                <th scope="col">{t('audit.trail.at')}</th>
                <th scope="col">{t('audit.trail.action')}</th>
                <th scope="col">{t('audit.trail.outcome')}</th>
                <th scope="col">{t('audit.trail.actorColumn')}</th>
                <th scope="col">{t('audit.trail.subject')}</th>
                <th scope="col">{t('audit.trail.details')}</th>
                <th scope="col">{t('audit.trail.verify')}</th>
              </tr>
            </thead>
            <tbody>
              {records.map((record) => (
                <RecordRow key={record.id} record={record} onCheck={() => onCheck(record)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.hasNextPage && (
        <button
          type="button"
          disabled={pages.isFetchingNextPage}
          onClick={() => void pages.fetchNextPage()}
        >
          {pages.isFetchingNextPage ? t('app.loading') : t('audit.trail.more')}
        </button>
      )}
    </>
  );
}
