import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { SCOPES } from '../../../../server/modules/partners/scopes.js';
import { ApiError } from '../../api';
import { FormProblem, TextField } from '../../components/TextField';
import {
  KEY_FORMATS,
  type KeyFormat,
  nationalAdminApi,
  partnerAdminApi,
  type PartnerClient,
  type SwitchedOff,
} from './api';
import { problemOf, StepUpField, useStepUpAction } from './step-up';

const SURFACES = ['all-partners', 'public', 'citizen'];
const SCOPE_TARGETS = SCOPES.map((s) => `scope:${s}`);

/** A target in words: a whole API, one partner scope, or one partner client by name. */
function useTargetLabel(clients: PartnerClient[]) {
  const { t } = useTranslation();
  return (target: string) => {
    if (target.startsWith('scope:'))
      return t('admin.killSwitch.scopeTarget', { scope: target.slice('scope:'.length) });
    if (target.startsWith('client:')) {
      const clientId = target.slice('client:'.length);
      const client = clients.find((c) => c.client_id === clientId);
      return t('admin.killSwitch.clientTarget', { name: client?.name ?? clientId, id: clientId });
    }
    return t(`admin.killSwitch.targets.${target}`, { defaultValue: target });
  };
}

/** Every target the admin can switch, with whether it is on or off now. */
function TargetStates({
  targets,
  off,
  label,
}: {
  targets: string[];
  off: SwitchedOff[];
  label: (target: string) => string;
}) {
  const { t } = useTranslation();
  const caption = t('admin.killSwitch.eachCaption');
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table data-testid="kill-switch-targets">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.killSwitch.target')}</th>
            <th scope="col">{t('admin.killSwitch.state')}</th>
          </tr>
        </thead>
        <tbody>
          {targets.map((target) => (
            <tr key={target}>
              <th scope="row">{label(target)}</th>
              <td>
                {off.some((o) => o.target === target)
                  ? t('admin.killSwitch.stateOff')
                  : t('admin.killSwitch.stateOn')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function KillSwitchPanel() {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const state = useQuery({
    queryKey: ['admin', 'kill-switch'],
    queryFn: nationalAdminApi.killSwitch,
  });
  const clients = useQuery({
    queryKey: ['admin', 'partner-clients'],
    queryFn: partnerAdminApi.clients,
  });
  const clientTargets = (clients.data?.clients ?? []).map((c) => `client:${c.client_id}`);
  const label = useTargetLabel(clients.data?.clients ?? []);
  const [target, setTarget] = useState('all-partners');
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
                    <td>
                      {off.target}
                      {off.target.startsWith('client:') && (
                        <>
                          <br />
                          {label(off.target)}
                        </>
                      )}
                    </td>
                    <td>{off.reason}</td>
                    <td>{new Date(off.since).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <TargetStates
            targets={[...SURFACES, ...SCOPE_TARGETS, ...clientTargets]}
            off={state.data.switchedOff}
            label={label}
          />
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
          <select
            id={`${id}-target`}
            aria-describedby={`${id}-target-hint`}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
          >
            <optgroup label={t('admin.killSwitch.groupApis')}>
              {SURFACES.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </optgroup>
            <optgroup label={t('admin.killSwitch.groupScopes')}>
              {SCOPE_TARGETS.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </optgroup>
            {clientTargets.length > 0 && (
              <optgroup label={t('admin.killSwitch.groupClients')}>
                {clientTargets.map((name) => (
                  <option key={name} value={name}>
                    {label(name)}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
          <p className="hint" id={`${id}-target-hint`}>
            {t('admin.killSwitch.targetHint')}
          </p>
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

/** Rotation's own refusal in words; the others as every sensitive action says them. */
function rotationProblem(error: unknown, t: TFunction): string {
  if (error instanceof ApiError && error.code === 'key-rotation-raced')
    return t('admin.keys.raced');
  return problemOf(error, t);
}

/** The key each certificate format signs with now, and a rotation to a new one (step-up). */
export function KeyRotationPanel() {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const keys = useQuery({ queryKey: ['admin', 'keys'], queryFn: nationalAdminApi.signingKeys });
  const [format, setFormat] = useState<KeyFormat>('vc');
  const [sure, setSure] = useState(false);
  const { code, setCode, busy, problem, done, setDone, run } = useStepUpAction(rotationProblem);
  const caption = t('admin.keys.caption');

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    await run(
      async () => {
        const rotated = await nationalAdminApi.rotateKey(format);
        setDone(
          t(`admin.keys.done.${rotated.format}`, {
            kid: rotated.kid,
            generation: rotated.generation,
          }),
        );
        setSure(false);
        await queries.invalidateQueries({ queryKey: ['admin', 'keys'] });
      },
      sure ? null : t('admin.keys.confirmFirst'),
    );
  }

  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('admin.keys.title')}</h2>
      <p className="hint">{t('admin.keys.help')}</p>
      {keys.isPending && <p role="status">{t('app.loading')}</p>}
      {keys.isError && <p className="error">{t('admin.failed')}</p>}
      {keys.data && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
          <table data-testid="signing-keys">
            <caption>{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.keys.format')}</th>
                <th scope="col">{t('admin.keys.kid')}</th>
                <th scope="col">{t('admin.keys.generation')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((key) => (
                <tr key={key.format} data-format={key.format}>
                  <th scope="row">{t(`admin.keys.formats.${key.format}`)}</th>
                  {key.current ? (
                    <>
                      <td className="kid">{key.current.kid}</td>
                      <td>
                        {t('admin.keys.generationOf', {
                          generation: key.current.generation,
                          published: key.published.length,
                        })}
                      </td>
                    </>
                  ) : (
                    <td colSpan={2}>{t('admin.keys.none')}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={`${id}-format`}>{t('admin.keys.choose')}</label>
          <select
            id={`${id}-format`}
            value={format}
            onChange={(e) => setFormat(e.target.value as KeyFormat)}
          >
            {KEY_FORMATS.map((name) => (
              <option key={name} value={name}>
                {t(`admin.keys.formats.${name}`)}
              </option>
            ))}
          </select>
        </div>
        <label className="check">
          <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
          {t('admin.keys.confirm')}
        </label>
        <StepUpField code={code} setCode={setCode} />
        <FormProblem problem={problem} />
        {done && (
          <p role="status" className="breakable" data-testid="key-rotated">
            {done}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('admin.working') : t('admin.keys.submit')}
        </button>
      </form>
    </section>
  );
}

/** The national admin's screens, shown only to holders of the role. */
export function NationalAdminScreens() {
  return (
    <>
      <KillSwitchPanel />
      <ForceResetPanel />
      <KeyRotationPanel />
    </>
  );
}
