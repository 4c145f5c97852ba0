import type { TFunction } from 'i18next';

import { ApiError, request } from '../../api';
import { problemOf } from '../admin/step-up';
import { type Grant, staffPost } from '../api';
import { type PlaceQuery, placeQuery, withPlace } from '../place';

export interface StaffAccount {
  id: string;
  username: string;
  status: 'pending' | 'active' | 'disabled';
  mustReset: boolean;
  grants: Grant[];
}

/** A one-time enrolment link: the server keeps only its hash, so it is shown once. */
export interface EnrolmentLink {
  enrolmentUrl: string;
  expiresAt: string;
}

/** A grant as the create and grants APIs take it. */
export type GrantInput = { role: string } & PlaceQuery;

const ACCOUNTS = '/api/v1/staff/accounts';
const one = (id: string) => `${ACCOUNTS}/${encodeURIComponent(id)}`;

/** The account admin's calls: server/modules/staff/routes.ts. */
export const accountsApi = {
  list: (place: PlaceQuery) => request<{ accounts: StaffAccount[] }>(withPlace(ACCOUNTS, place)),
  create: (body: { username: string; grants: GrantInput[] }) =>
    staffPost<EnrolmentLink & { id: string }>(ACCOUNTS, body),
  setGrants: (id: string, grants: GrantInput[]) =>
    staffPost<{ grants: Grant[] }>(`${one(id)}/grants`, { grants }, { method: 'PUT' }),
  resetCredentials: (id: string) =>
    staffPost<EnrolmentLink>(`${one(id)}/credentials-reset`, undefined),
  disable: (id: string) => staffPost(`${one(id)}/disable`, undefined),
  unlock: (id: string) => staffPost(`${one(id)}/unlock`, undefined),
};

export const grantInput = (grant: Grant): GrantInput => ({
  role: grant.role,
  ...placeQuery(grant),
});

/**
 * A refused staff or correction call in plain words: the server's code when the page knows
 * it (`staffProblems.<code>`), a refusal for another place, else the step-up answers.
 */
export function staffProblem(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const known = t(`staffProblems.${error.code}`, { defaultValue: '' });
    if (known) return known;
    if (error.status === 403 && error.code !== 'step-up-required')
      return t('staffProblems.forbidden');
  }
  return problemOf(error, t);
}
