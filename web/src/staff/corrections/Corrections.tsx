import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormProblem, TextField } from '../../components/TextField';
import { staffProblem } from '../accounts/api';
import { StepUpField, useStepUpAction } from '../admin/step-up';
import type { Grant } from '../api';
import { correctionsApi, type MaskedFacts, type PendingCorrection } from './api';

const CORRECTIONS_KEY = ['staff', 'corrections'];

/** The facts the list can show, each with the name of the field the citizen asked to change. */
const FACTS: { fact: keyof MaskedFacts; field: string }[] = [
  { fact: 'name', field: 'name' },
  { fact: 'birth_year', field: 'birth_year' },
  { fact: 'gender', field: 'gender_id' },
  { fact: 'photo_id', field: 'photo_id_number' },
];

function FactsTable({ request }: { request: PendingCorrection }) {
  const { t } = useTranslation();
  const shown = (fact: keyof MaskedFacts, value: string | number | undefined) => {
    if (value === undefined) return '';
    if (fact === 'gender') return t(`citizen.gender.${value}`, { defaultValue: String(value) });
    return String(value);
  };
  const caption = t('corrections.changesCaption');
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table data-testid="correction-changes">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('corrections.fact')}</th>
            <th scope="col">{t('corrections.now')}</th>
            <th scope="col">{t('corrections.asked')}</th>
          </tr>
        </thead>
        <tbody>
          {FACTS.filter(({ fact }) => request.requested[fact] !== undefined).map(
            ({ fact, field }) => (
              <tr key={fact}>
                <th scope="row">{t(`citizen.corrections.fields.${field}`)}</th>
                <td>{shown(fact, request.current[fact])}</td>
                <td>{shown(fact, request.requested[fact])}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

/** One request: what it asks, then approve it, or reject it saying why (the citizen reads it). */
function CorrectionCard({
  request,
  onDecided,
}: {
  request: PendingCorrection;
  onDecided: (message: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const [reason, setReason] = useState('');
  const { code, setCode, busy, problem, run } = useStepUpAction(staffProblem);
  const who = request.current.name ?? request.beneficiary_reference_id;

  async function decide(how: 'approve' | 'reject') {
    await run(
      async () => {
        const decision =
          how === 'approve'
            ? await correctionsApi.approve(request.request_id)
            : await correctionsApi.reject(request.request_id, reason.trim());
        onDecided(
          decision.status === 'approved'
            ? t('corrections.approved', { name: who, id: decision.new_certificate_id })
            : t('corrections.rejected', { name: who }),
        );
        await queries.invalidateQueries({ queryKey: CORRECTIONS_KEY });
      },
      how === 'reject' && reason.trim().length < 3 ? t('corrections.reasonShort') : null,
    );
  }

  return (
    <form
      className="centre"
      onSubmit={(e) => e.preventDefault()}
      noValidate
      aria-labelledby={`${id}-title`}
      data-testid="correction-request"
    >
      <h3 id={`${id}-title`}>
        {t('corrections.heading', { name: who, ref: request.beneficiary_reference_id })}
      </h3>
      <p>
        {t('corrections.meta', {
          time: new Date(request.requested_at).toLocaleString(),
          centre: request.center_id,
        })}
        <br />
        {t('corrections.fields', {
          fields: request.fields.map((f) => t(`citizen.corrections.fields.${f}`)).join(', '),
        })}
      </p>
      <FactsTable request={request} />
      <TextField
        label={t('corrections.reason')}
        hint={t('corrections.reasonHint')}
        maxLength={500}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <StepUpField code={code} setCode={setCode} />
      <FormProblem problem={problem} />
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={() => void decide('approve')}
      >
        {t('corrections.approve')}
      </button>
      <button type="button" disabled={busy} onClick={() => void decide('reject')}>
        {t('corrections.reject')}
      </button>
    </form>
  );
}

function DistrictCorrections({ districtId }: { districtId: number }) {
  const { t } = useTranslation();
  const [done, setDone] = useState<string | null>(null);
  const list = useQuery({
    queryKey: [...CORRECTIONS_KEY, districtId],
    queryFn: () => correctionsApi.pending(districtId),
    retry: false,
  });
  return (
    <>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      {list.isPending && <p role="status">{t('app.loading')}</p>}
      {list.isError && <p className="error">{staffProblem(list.error, t)}</p>}
      {list.data?.requests.length === 0 && (
        <p data-testid="corrections-none">{t('corrections.none')}</p>
      )}
      {list.data?.requests.map((request) => (
        <CorrectionCard key={request.request_id} request={request} onDecided={setDone} />
      ))}
    </>
  );
}

/** Certificate corrections waiting in the districts the admin holds (district admins decide). */
export function CorrectionsPanel({ grants }: { grants: Grant[] }) {
  const { t } = useTranslation();
  const id = useId();
  const districts = grants.flatMap((g) =>
    g.role === 'district-admin' && g.district_id !== null ? [g.district_id] : [],
  );
  const [chosen, setChosen] = useState<number | null>(null);
  const districtId = chosen ?? districts[0];
  if (districtId === undefined) return null;
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('corrections.title')}</h2>
      <p className="hint">{t('corrections.help')}</p>
      {districts.length > 1 && (
        <div className="field">
          <label htmlFor={`${id}-district`}>{t('corrections.district')}</label>
          <select
            id={`${id}-district`}
            value={districtId}
            onChange={(e) => setChosen(Number(e.target.value))}
          >
            {districts.map((d) => (
              <option key={d} value={d}>
                {t('staff.home.district', { id: d })}
              </option>
            ))}
          </select>
        </div>
      )}
      <DistrictCorrections key={districtId} districtId={districtId} />
    </section>
  );
}
