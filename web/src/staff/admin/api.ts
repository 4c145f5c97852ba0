import { request } from '../../api';
import { staffPost } from '../api';

export interface SwitchedOff {
  target: string;
  surface: 'partners' | 'public' | 'citizen';
  reason: string;
  since: string;
  by: { type: 'staff' | 'system'; id: string | null };
}

export interface KillSwitchState {
  version: number;
  node: { version: number; sync: 'in-process' | 'database-poll' | 'redis' };
  switchedOff: SwitchedOff[];
}

const KILL_SWITCH = '/api/v1/admin/kill-switch';

export const KEY_FORMATS = ['vc', 'shc', 'dcc'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];
export interface KeyGeneration {
  kid: string;
  generation: number;
}
export interface SigningKeys {
  keys: { format: KeyFormat; current: KeyGeneration | null; published: KeyGeneration[] }[];
}

/** A fresh second factor: the server asks for one within 5 minutes of each sensitive action. */
export const stepUp = (code: string) => staffPost('/api/v1/staff/auth/step-up', { code });

/** The national admin's calls (docs/kill-switch.md, docs/api.md). */
export const nationalAdminApi = {
  killSwitch: () => request<KillSwitchState>(KILL_SWITCH),
  changeKillSwitch: (body: { target: string; killSwitch: 'on' | 'off'; reason: string }) =>
    staffPost<KillSwitchState & { changed: boolean }>(KILL_SWITCH, body, { method: 'PUT' }),
  forceResetAll: () =>
    staffPost<{ accounts: number; sessionsRevoked: number }>('/api/v1/staff/force-reset', {
      all: true,
    }),
  signingKeys: () => request<SigningKeys>('/api/v1/admin/keys'),
  rotateKey: (format: KeyFormat) =>
    staffPost<KeyGeneration & { format: KeyFormat }>('/api/v1/admin/keys/rotate', { format }),
};

export interface PartnerClient {
  client_id: string;
  name: string;
  purpose: string;
  contact: string;
  scopes: string[];
  allow_list: string[];
  per_minute: number;
  per_day: number;
  status: 'active' | 'suspended' | 'revoked';
  status_reason: string | null;
  created_at: string;
  updated_at: string;
}
export type NewPartnerClient = Pick<
  PartnerClient,
  'name' | 'purpose' | 'contact' | 'scopes' | 'allow_list' | 'per_minute' | 'per_day'
>;

const CLIENTS = '/api/v1/admin/partners/clients';

/** The partner manager's calls (docs/partners.md). */
export const partnerAdminApi = {
  clients: () => request<{ clients: PartnerClient[] }>(CLIENTS),
  create: (body: NewPartnerClient) =>
    staffPost<PartnerClient & { client_secret: string }>(CLIENTS, body),
  rotateSecret: (clientId: string) =>
    staffPost<PartnerClient & { client_secret: string }>(
      `${CLIENTS}/${encodeURIComponent(clientId)}/rotate-secret`,
      undefined,
    ),
  setStatus: (clientId: string, action: 'suspend' | 'reinstate', reason: string) =>
    staffPost<PartnerClient>(`${CLIENTS}/${encodeURIComponent(clientId)}/${action}`, { reason }),
};
