import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { SCOPES } from '../../../../server/modules/partners/scopes.js';
import { FormProblem, TextField } from '../../components/TextField';
import { nationalAdminApi } from './api';
import { StepUpField, useStepUpAction } from './step-up';

const TARGETS = ['all-partners', 'public', 'citizen', ...SCOPES.map((s) => `scope:${s}`)];

export function KillSwitchPanel() {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const state = useQuery({
    queryKey: ['admin', 'kill-switch'],
    queryFn: nationalAdminApi.killSwitch,
  });
  const [target, setTarget] = useState(TARGETS[0] ?? 'all-partners');
  const [reason, setReason] = useState('');
  const { code, setCode, busy, problem, done, setDone, run } = useStepUpAction();

  async function change(event: SyntheticEvent, killSwitch: 'on' | 'off') {
    event.preventDefault();
    await run(
      async () => {
        const result = await nationalAdminApi.changeKillSwitch({
          target,
          killSwitch,
          reason: reason.trim(),
        });
        queries.setQueryData(['admin', 'kill-switch'], result);
        const key = killSwitch === 'on' ? 'switchedOff' : 'switchedOn';
        setDone(
          t(result.changed ? `admin.killSwitch.${key}` : 'admin.killSwitch.unchanged', { target }),
        );
        setReason('');
      },
      reason.trim().length < 3 ? t('admin.killSwitch.reasonShort') : null,
    );
  }

  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('admin.killSwitch.title')}</h2>
      <p className="hint">{t('admin.killSwitch.help')}</p>
      {state.isPending && <p role="status">{t('app.loading')}</p>}
      {state.isError && <p className="error">{t('admin.failed')}</p>}
      {state.data && (
        <>
          {state.data.switchedOff.length === 0 ? (
            <p data-testid="kill-switch-state">{t('admin.killSwitch.allOn')}</p>
          ) : (
            <table data-testid="kill-switch-state">
              <caption>{t('admin.killSwitch.offCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('admin.killSwitch.target')}</th>
                  <th scope="col">{t('admin.killSwitch.reason')}</th>
                  <th scope="col">{t('admin.killSwitch.since')}</th>
                </tr>
              </thead>
              <tbody>
                {state.data.switchedOff.map((off) => (
                  <tr key={off.target}>
                    <td>{off.target}</td>
                    <td>{off.reason}</td>
                    <td>{new Date(off.since).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="hint">
            {t('admin.killSwitch.node', {
              version: state.data.node.version,
              sync: state.data.node.sync,
            })}
          </p>
        </>
      )}
      <form onSubmit={(e) => void change(e, 'on')} noValidate>
        <div className="field">
          <label htmlFor={`${id}-target`}>{t('admin.killSwitch.target')}</label>
          <select id={`${id}-target`} value={target} onChange={(e) => setTarget(e.target.value)}>
            {TARGETS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <TextField
          label={t('admin.killSwitch.reason')}
          hint={t('admin.killSwitch.reasonHint')}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <StepUpField code={code} setCode={setCode} />
        <FormProblem problem={problem} />
        {done && <p role="status">{done}</p>}
        <button type="submit" className="primary" disabled={busy}>
          {t('admin.killSwitch.off')}
        </button>
        <button type="button" disabled={busy} onClick={(e) => void change(e, 'off')}>
          {t('admin.killSwitch.on')}
        </button>
      </form>
    </section>
  );
}

export function ForceResetPanel() {
  const { t } = useTranslation();
  const id = useId();
  const [sure, setSure] = useState(false);
  const { code, setCode, busy, problem, done, setDone, run } = useStepUpAction();

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    await run(
      async () => {
        const result = await nationalAdminApi.forceResetAll();
        setDone(
          t('admin.forceReset.done', {
            accounts: result.accounts,
            sessions: result.sessionsRevoked,
          }),
        );
        setSure(false);
      },
      sure ? null : t('admin.forceReset.confirmFirst'),
    );
  }

  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('admin.forceReset.title')}</h2>
      <p className="hint">{t('admin.forceReset.help')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label className="check">
          <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
          {t('admin.forceReset.confirm')}
        </label>
        <StepUpField code={code} setCode={setCode} />
        <FormProblem problem={problem} />
        {done && (
          <p role="status" data-testid="force-reset-done">
            {done}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('admin.working') : t('admin.forceReset.submit')}
        </button>
      </form>
    </section>
  );
}

/** Key rotation is offered only as a CLI on the server: the screen says how, it does not do it. */
export function KeyRotationHelp() {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('admin.keys.title')}</h2>
      <p className="hint">{t('admin.keys.help')}</p>
    </section>
  );
}

/** The national admin's screens, shown only to holders of the role. */
export function NationalAdminScreens() {
  return (
    <>
      <KillSwitchPanel />
      <ForceResetPanel />
      <KeyRotationHelp />
    </>
  );
}
