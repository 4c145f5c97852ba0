import { SCOPES } from '../partners/scopes.js';

/**
 * What the kill switch can switch off, as pure rules. A surface is a class of routes; a
 * target is what an operator names: a whole surface, or one partner client or scope.
 * Staff routes, health, metrics and the kill-switch API itself belong to no surface.
 */
export const SURFACES = ['partners', 'public', 'citizen'] as const;
export type Surface = (typeof SURFACES)[number];

/**
 * Partner scopes (issue 8). A scope the partner APIs do not know cannot be switched off:
 * a typo must be a 400, not a switch that silently guards nothing.
 */
export const PARTNER_SCOPES = SCOPES;

export type Target =
  | { kind: 'all-partners' }
  | { kind: 'public' }
  | { kind: 'citizen' }
  | { kind: 'client'; clientId: string }
  | { kind: 'scope'; scope: string };

/** Partner client ids as the partner APIs issue them: short, URL-safe. */
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function targetName(target: Target): string {
  switch (target.kind) {
    case 'client':
      return `client:${target.clientId}`;
    case 'scope':
      return `scope:${target.scope}`;
    case 'all-partners':
    case 'public':
    case 'citizen':
      return target.kind;
  }
}

/** The target a name denotes, or null for a name that denotes none. */
export function parseTarget(name: string): Target | null {
  if (name === 'all-partners' || name === 'public' || name === 'citizen') return { kind: name };
  if (name.startsWith('client:')) {
    const clientId = name.slice('client:'.length);
    return CLIENT_ID.test(clientId) ? { kind: 'client', clientId } : null;
  }
  if (name.startsWith('scope:')) {
    const scope = name.slice('scope:'.length);
    return (PARTNER_SCOPES as readonly string[]).includes(scope) ? { kind: 'scope', scope } : null;
  }
  return null;
}

export function surfaceOf(target: Target): Surface {
  switch (target.kind) {
    case 'public':
    case 'citizen':
      return target.kind;
    case 'all-partners':
    case 'client':
    case 'scope':
      return 'partners';
  }
}

/** How a refusal names what is off, for people reading it. */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'all-partners':
      return 'The partner APIs are';
    case 'public':
      return 'The public APIs are';
    case 'citizen':
      return 'The citizen APIs are';
    case 'client':
      return 'This partner client is';
    case 'scope':
      return `Partner scope ${target.scope} is`;
  }
}
