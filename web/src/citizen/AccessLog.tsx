import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { Beneficiary, CitizenApi } from './api';

/** "Who accessed my data": every audited read or change of each member's record. */
export function AccessLog({ api, members }: { api: CitizenApi; members: Beneficiary[] }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const log = useQuery({
    queryKey: ['citizen', 'access-log'],
    queryFn: api.accessLog,
    enabled: open,
  });
  const names = new Map(members.map((m) => [m.beneficiary_reference_id, m.name]));
  const when = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language === 'hi' ? 'hi-IN' : 'en-IN', {
      timeZone: 'Asia/Kolkata',
      dateStyle: 'medium',
      timeStyle: 'short',
    });

  return (
    <section aria-labelledby="access-title" className="access-log">
      <h2 id="access-title">{t('citizen.access.title')}</h2>
      <p className="hint">{t('citizen.access.intro')}</p>
      {!open && (
        <button type="button" onClick={() => setOpen(true)}>
          {t('citizen.access.show')}
        </button>
      )}
      {open && log.isPending && <p role="status">{t('app.loading')}</p>}
      {log.isError && <p role="alert">{t('search.error')}</p>}
      {log.data?.map((entry) => (
        <div key={entry.beneficiary_reference_id} data-testid="access-entry">
          <h3>{names.get(entry.beneficiary_reference_id) ?? entry.beneficiary_reference_id}</h3>
          {entry.events.length === 0 ? (
            <p>{t('citizen.access.none')}</p>
          ) : (
            // Focusable, so that keyboard users can scroll a table wider than a phone.
            <div
              className="table-scroll"
              tabIndex={0}
              role="region"
              aria-label={t('citizen.access.tableOf', {
                name: names.get(entry.beneficiary_reference_id) ?? '',
              })}
            >
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('citizen.access.when')}</th>
                    <th scope="col">{t('citizen.access.who')}</th>
                    <th scope="col">{t('citizen.access.what')}</th>
                    <th scope="col">{t('citizen.access.outcome')}</th>
                  </tr>
                </thead>
                <tbody>
                  {entry.events.map((event, i) => (
                    <tr key={`${event.at}-${String(i)}`}>
                      <td>{when(event.at)}</td>
                      <td>
                        {t(`citizen.access.actor.${event.actor.type}`)}
                        {event.actor.role && ` (${event.actor.role})`}
                        {event.actor.organisation && `, ${event.actor.organisation}`}
                      </td>
                      <td>
                        <code>{event.action}</code>
                        {event.reason && ` – ${event.reason}`}
                      </td>
                      <td>{t(`citizen.access.outcomes.${event.outcome}`)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ))}
    </section>
  );
}
