import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { SCOPES } from '../../../../server/modules/partners/scopes.js';
import { FormProblem, TextField } from '../../components/TextField';
import { partnerAdminApi, type PartnerClient } from './api';
import { OneTimeSecret } from './OneTimeSecret';
import { StepUpField, useStepUpAction } from './step-up';

const CLIENTS_KEY = ['admin', 'partner-clients'];

function ClientTable({ clients }: { clients: PartnerClient[] }) {
  const { t } = useTranslation();
  if (clients.length === 0) return <p data-testid="partner-clients">{t('admin.partners.none')}</p>;
  return (
    // Focusable, so that keyboard users can scroll a table wider than a phone.
    <div
      className="table-scroll"
      tabIndex={0}
      role="region"
      aria-label={t('admin.partners.listCaption')}
    >
      <table data-testid="partner-clients">
        <caption>{t('admin.partners.listCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.partners.name')}</th>
            <th scope="col">{t('admin.partners.status')}</th>
            <th scope="col">{t('admin.partners.scopes')}</th>
            <th scope="col">{t('admin.partners.allowList')}</th>
            <th scope="col">{t('admin.partners.quotas')}</th>
          </tr>
        </thead>
        <tbody>
          {clients.map((client) => (
            <tr key={client.client_id}>
              <td>
                {client.name}
                <br />
                <code>{client.client_id}</code>
              </td>
              <td>
                {t(`admin.partners.statuses.${client.status}`)}
                {client.status_reason && `: ${client.status_reason}`}
              </td>
              <td>{client.scopes.join(', ')}</td>
              <td>{client.allow_list.join(', ')}</td>
              <td>
                {t('admin.partners.quota', { minute: client.per_minute, day: client.per_day })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NewClientForm({ onCreated }: { onCreated: (name: string, secret: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [purpose, setPurpose] = useState('');
  const [contact, setContact] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [allowList, setAllowList] = useState('');
  const [perMinute, setPerMinute] = useState('60');
  const [perDay, setPerDay] = useState('10000');
  const { code, setCode, busy, problem, run } = useStepUpAction();

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    await run(
      async () => {
        const created = await partnerAdminApi.create({
          name: name.trim(),
          purpose: purpose.trim(),
          contact: contact.trim(),
          scopes,
          allow_list: allowList.split(/\s+/).filter(Boolean),
          per_minute: Number(perMinute),
          per_day: Number(perDay),
        });
        await queries.invalidateQueries({ queryKey: CLIENTS_KEY });
        onCreated(created.name, created.client_secret);
        setName('');
        setPurpose('');
        setContact('');
        setScopes([]);
        setAllowList('');
      },
      scopes.length === 0 ? t('admin.partners.scopeMissing') : null,
    );
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('admin.partners.newTitle')}</h3>
      <TextField
        label={t('admin.partners.name')}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <TextField
        label={t('admin.partners.purpose')}
        value={purpose}
        onChange={(e) => setPurpose(e.target.value)}
      />
      <TextField
        label={t('admin.partners.contact')}
        type="email"
        value={contact}
        onChange={(e) => setContact(e.target.value)}
      />
      <fieldset>
        <legend>{t('admin.partners.scopes')}</legend>
        {SCOPES.map((scope) => (
          <label key={scope} className="check">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
              }
            />
            {scope}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-allow`}>{t('admin.partners.allowList')}</label>
        <textarea
          id={`${id}-allow`}
          aria-describedby={`${id}-allow-hint`}
          rows={3}
          value={allowList}
          onChange={(e) => setAllowList(e.target.value)}
        />
        <p className="hint" id={`${id}-allow-hint`}>
          {t('admin.partners.allowListHint')}
        </p>
      </div>
      <TextField
        label={t('admin.partners.perMinute')}
        inputMode="numeric"
        value={perMinute}
        onChange={(e) => setPerMinute(e.target.value.trim())}
      />
      <TextField
        label={t('admin.partners.perDay')}
        inputMode="numeric"
        value={perDay}
        onChange={(e) => setPerDay(e.target.value.trim())}
      />
      <StepUpField code={code} setCode={setCode} />
      <FormProblem problem={problem} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('admin.working') : t('admin.partners.create')}
      </button>
    </form>
  );
}

function ClientActions({
  clients,
  onSecret,
}: {
  clients: PartnerClient[];
  onSecret: (name: string, secret: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const [clientId, setClientId] = useState('');
  const [reason, setReason] = useState('');
  const { code, setCode, busy, problem, done, setDone, run } = useStepUpAction();
  const chosen = clients.find((c) => c.client_id === clientId) ?? clients[0];
  if (!chosen) return null;

  async function act(event: SyntheticEvent, action: 'suspend' | 'reinstate' | 'rotate') {
    event.preventDefault();
    if (!chosen) return;
    await run(
      async () => {
        if (action === 'rotate') {
          const rotated = await partnerAdminApi.rotateSecret(chosen.client_id);
          onSecret(rotated.name, rotated.client_secret);
        } else {
          await partnerAdminApi.setStatus(chosen.client_id, action, reason.trim());
          setDone(
            t(`admin.partners.${action === 'suspend' ? 'suspended' : 'reinstated'}`, {
              name: chosen.name,
            }),
          );
          setReason('');
        }
        await queries.invalidateQueries({ queryKey: CLIENTS_KEY });
      },
      action !== 'rotate' && reason.trim().length < 3 ? t('admin.killSwitch.reasonShort') : null,
    );
  }

  return (
    <form onSubmit={(e) => void act(e, 'suspend')} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('admin.partners.actionsTitle')}</h3>
      <div className="field">
        <label htmlFor={`${id}-client`}>{t('admin.partners.client')}</label>
        <select
          id={`${id}-client`}
          value={chosen.client_id}
          onChange={(e) => setClientId(e.target.value)}
        >
          {clients.map((c) => (
            <option key={c.client_id} value={c.client_id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <TextField
        label={t('admin.killSwitch.reason')}
        hint={t('admin.partners.reasonHint')}
        maxLength={200}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <StepUpField code={code} setCode={setCode} />
      <FormProblem problem={problem} />
      {done && <p role="status">{done}</p>}
      <button type="submit" disabled={busy}>
        {t('admin.partners.suspend')}
      </button>
      <button type="button" disabled={busy} onClick={(e) => void act(e, 'reinstate')}>
        {t('admin.partners.reinstate')}
      </button>
      <button type="button" disabled={busy} onClick={(e) => void act(e, 'rotate')}>
        {t('admin.partners.rotate')}
      </button>
    </form>
  );
}

/** The partner manager's screen: clients, their secrets shown once, suspensions. */
export function PartnerClientsPanel() {
  const { t } = useTranslation();
  const id = useId();
  const list = useQuery({ queryKey: CLIENTS_KEY, queryFn: partnerAdminApi.clients });
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const show = (name: string, value: string) => setSecret({ name, secret: value });
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('admin.partners.title')}</h2>
      <p className="hint">{t('admin.partners.help')}</p>
      {secret && (
        <OneTimeSecret
          message={t('admin.partners.secretOnce', { name: secret.name })}
          secret={secret.secret}
          saved={t('admin.partners.secretSaved')}
          testId="client-secret"
          onDone={() => setSecret(null)}
        />
      )}
      {list.isPending && <p role="status">{t('app.loading')}</p>}
      {list.isError && <p className="error">{t('admin.failed')}</p>}
      {list.data && (
        <>
          <ClientTable clients={list.data.clients} />
          <ClientActions clients={list.data.clients} onSecret={show} />
        </>
      )}
      <NewClientForm onCreated={show} />
    </section>
  );
}
