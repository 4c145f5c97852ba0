import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { Role } from '../../../../server/modules/staff/roles.js';
import { FormProblem, TextField } from '../../components/TextField';
import { OneTimeSecret } from '../admin/OneTimeSecret';
import { StepUpField, useStepUpAction } from '../admin/step-up';
import type { Grant } from '../api';
import { placeOf, placeQuery } from '../place';
import { PlacePanel } from '../PlacePanel';
import {
  accountsApi,
  type EnrolmentLink,
  grantInput,
  type StaffAccount,
  staffProblem,
} from './api';
import {
  grantableRoles,
  type RolePlace,
  rolePlace,
  RolePlaceFields,
  toGrantInput,
} from './RolePlaceFields';

const ACCOUNTS_KEY = ['staff', 'accounts'];

/** A link to hand to its holder, and for whom. */
type IssuedLink = EnrolmentLink & { username: string };

function useRoleLabel() {
  const { t } = useTranslation();
  return (grant: Grant) =>
    t('accounts.roleAt', { role: t(`staff.roles.${grant.role}`), place: placeOf(grant, t) });
}

function AccountTable({
  accounts,
  onManage,
}: {
  accounts: StaffAccount[];
  onManage: (id: string) => void;
}) {
  const { t } = useTranslation();
  const roleLabel = useRoleLabel();
  const caption = t('accounts.listCaption');
  if (accounts.length === 0) return <p data-testid="staff-accounts">{t('accounts.none')}</p>;
  return (
    // Focusable, so that keyboard users can scroll a table wider than a phone.
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table data-testid="staff-accounts">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('accounts.username')}</th>
            <th scope="col">{t('accounts.status')}</th>
            <th scope="col">{t('accounts.roles')}</th>
            <th scope="col">{t('accounts.action')}</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.id}>
              <th scope="row">{account.username}</th>
              <td>
                {t(`accounts.statuses.${account.status}`)}
                {account.mustReset && ` · ${t('accounts.mustReset')}`}
              </td>
              <td>{account.grants.map(roleLabel).join('; ')}</td>
              <td>
                <button
                  type="button"
                  onClick={() => onManage(account.id)}
                  aria-label={t('accounts.manageLabel', { username: account.username })}
                >
                  {t('accounts.manage')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The roles of one account: take one away, or add one (the server checks both are yours to give). */
function GrantsForm({ account, mine }: { account: StaffAccount; mine: Grant[] }) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const roleLabel = useRoleLabel();
  const roles = grantableRoles(mine);
  const [adding, setAdding] = useState<RolePlace>(() => rolePlace(roles[0] as Role, mine));
  const { code, setCode, busy, problem, done, setDone, run } = useStepUpAction(staffProblem);

  async function save(grants: Grant[], message: string, invalid: string | null = null) {
    await run(async () => {
      await accountsApi.setGrants(account.id, grants.map(grantInput));
      await queries.invalidateQueries({ queryKey: ACCOUNTS_KEY });
      setDone(message);
    }, invalid);
  }

  async function add(event: SyntheticEvent) {
    event.preventDefault();
    const wanted = toGrantInput(adding);
    const grant: Grant = {
      role: adding.role,
      state_id: wanted?.state_id ?? null,
      district_id: wanted?.district_id ?? null,
      center_id: wanted?.center_id ?? null,
    };
    await save(
      [...account.grants, grant],
      t('accounts.granted', { username: account.username, role: roleLabel(grant) }),
      wanted ? null : t('accounts.placeIdBad'),
    );
  }

  return (
    <form onSubmit={(e) => void add(e)} noValidate aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('accounts.rolesOf', { username: account.username })}</h4>
      <ul data-testid="account-grants">
        {account.grants.map((grant) => (
          <li key={roleLabel(grant)}>
            {roleLabel(grant)}{' '}
            <button
              type="button"
              className="link-button"
              disabled={busy || account.grants.length === 1}
              aria-label={t('accounts.revokeLabel', { role: roleLabel(grant) })}
              onClick={() =>
                void save(
                  account.grants.filter((g) => g !== grant),
                  t('accounts.revoked', { username: account.username, role: roleLabel(grant) }),
                )
              }
            >
              {t('accounts.revoke')}
            </button>
          </li>
        ))}
      </ul>
      {account.grants.length === 1 && <p className="hint">{t('accounts.lastRole')}</p>}
      <fieldset>
        <legend>{t('accounts.addRole')}</legend>
        <RolePlaceFields roles={roles} mine={mine} value={adding} onChange={setAdding} />
      </fieldset>
      <StepUpField code={code} setCode={setCode} />
      <FormProblem problem={problem} />
      {done && <p role="status">{done}</p>}
      <button type="submit" disabled={busy}>
        {busy ? t('admin.working') : t('accounts.grant')}
      </button>
    </form>
  );
}

/** Sign-in of one account: new credentials (a new link), disabled, or a login lock ended. */
function SignInForm({
  account,
  onLink,
}: {
  account: StaffAccount;
  onLink: (link: IssuedLink) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const { code, setCode, busy, problem, done, setDone, run } = useStepUpAction(staffProblem);
  const { username } = account;

  async function act(action: 'reset' | 'disable' | 'unlock') {
    await run(async () => {
      if (action === 'reset') {
        onLink({ username, ...(await accountsApi.resetCredentials(account.id)) });
        setDone(t('accounts.resetDone', { username }));
      } else if (action === 'disable') {
        await accountsApi.disable(account.id);
        setDone(t('accounts.disabled', { username }));
      } else {
        await accountsApi.unlock(account.id);
        setDone(t('accounts.unlocked', { username }));
      }
      await queries.invalidateQueries({ queryKey: ACCOUNTS_KEY });
    });
  }

  return (
    <form onSubmit={(e) => e.preventDefault()} noValidate aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('accounts.signInOf', { username })}</h4>
      <p className="hint">{t('accounts.signInHelp')}</p>
      <StepUpField code={code} setCode={setCode} />
      <FormProblem problem={problem} />
      {done && <p role="status">{done}</p>}
      <button type="button" disabled={busy} onClick={() => void act('reset')}>
        {t('accounts.reset')}
      </button>
      {account.status !== 'disabled' && (
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => void act('disable')}
        >
          {t('accounts.disable')}
        </button>
      )}
      <button type="button" disabled={busy} onClick={() => void act('unlock')}>
        {t('accounts.unlock')}
      </button>
    </form>
  );
}

function NewAccountForm({ mine, onLink }: { mine: Grant[]; onLink: (link: IssuedLink) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const roles = grantableRoles(mine);
  const [username, setUsername] = useState('');
  const [grant, setGrant] = useState<RolePlace>(() => rolePlace(roles[0] as Role, mine));
  const { code, setCode, busy, problem, run } = useStepUpAction(staffProblem);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    const wanted = toGrantInput(grant);
    // The username's rules are the server's: a 400 names them.
    const invalid = !username
      ? t('accounts.usernameMissing')
      : wanted
        ? null
        : t('accounts.placeIdBad');
    await run(async () => {
      if (!wanted) return;
      const created = await accountsApi.create({ username, grants: [wanted] });
      onLink({ username: username.toLowerCase(), ...created });
      await queries.invalidateQueries({ queryKey: ACCOUNTS_KEY });
      setUsername('');
    }, invalid);
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('accounts.newTitle')}</h3>
      <TextField
        label={t('accounts.username')}
        hint={t('accounts.usernameHint')}
        autoComplete="off"
        maxLength={64}
        value={username}
        onChange={(e) => setUsername(e.target.value.trim())}
      />
      <RolePlaceFields roles={roles} mine={mine} value={grant} onChange={setGrant} />
      <StepUpField code={code} setCode={setCode} />
      <FormProblem problem={problem} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('admin.working') : t('accounts.create')}
      </button>
    </form>
  );
}

/** The accounts of one place the admin holds: listed, managed one at a time, and new ones. */
function PlaceAccounts({ place, mine }: { place: Grant; mine: Grant[] }) {
  const { t } = useTranslation();
  const [link, setLink] = useState<IssuedLink | null>(null);
  const [managing, setManaging] = useState<string | null>(null);
  const query = placeQuery(place);
  const list = useQuery({
    queryKey: [...ACCOUNTS_KEY, query],
    queryFn: () => accountsApi.list(query),
    retry: false,
  });
  const account = list.data?.accounts.find((a) => a.id === managing);
  return (
    <>
      {link && (
        <OneTimeSecret
          message={t('accounts.linkOnce', {
            username: link.username,
            expires: new Date(link.expiresAt).toLocaleString(),
          })}
          secret={link.enrolmentUrl}
          saved={t('accounts.linkSaved')}
          testId="enrolment-link"
          onDone={() => setLink(null)}
        />
      )}
      {list.isPending && <p role="status">{t('app.loading')}</p>}
      {list.isError && <p className="error">{staffProblem(list.error, t)}</p>}
      {list.data && <AccountTable accounts={list.data.accounts} onManage={setManaging} />}
      {account && (
        <section
          className="centre"
          aria-label={t('accounts.manageLabel', { username: account.username })}
        >
          <GrantsForm key={account.id} account={account} mine={mine} />
          <SignInForm key={`${account.id}-sign-in`} account={account} onLink={setLink} />
        </section>
      )}
      <NewAccountForm mine={mine} onLink={setLink} />
    </>
  );
}

/** Staff accounts, for district, state and national admins within their place. */
export function StaffAccountsPanel({ grants }: { grants: Grant[] }) {
  const { t } = useTranslation();
  return (
    <PlacePanel
      grants={grants}
      title={t('accounts.title')}
      help={t('accounts.help')}
      choiceLabel={t('accounts.place')}
    >
      {(place, places) => <PlaceAccounts place={place} mine={places} />}
    </PlacePanel>
  );
}
