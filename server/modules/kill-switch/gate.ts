import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';

import { AppError } from '../../http/errors.js';
import type { Board, SwitchedOff } from './board.js';
import { describeTarget, type Surface } from './targets.js';

/** The 503 a switched-off call gets. No Retry-After: nobody can promise when it comes back. */
export class ApiSwitchedOff extends AppError {
  constructor(off: SwitchedOff) {
    super(
      503,
      'api-switched-off',
      `${describeTarget(off.target)} switched off by the operators since ${off.since.toISOString()}. When it comes back is not known; try again later.`,
      {
        members: { surface: off.surface, target: off.name, since: off.since.toISOString() },
        expected: true,
      },
    );
  }
}

/** Paths that always answer, so that operators can see and respond: health, metrics, the switch itself. */
const ALWAYS_ON = /^\/(healthz|readyz|metrics)$|^\/api\/v1\/admin\/kill-switch(\/|$)/;
/** Staff log in and enrol here before any staff guard knows them. */
const STAFF_PREFIX = '/api/v1/staff/';
/** Citizen OTP login: no token yet, still the citizen surface. */
const CITIZEN_LOGIN_PREFIX = '/api/v2/auth/';
const PARTNER_PREFIX = '/api/v1/partners/';

/**
 * The surface a route belongs to, decided once when it is registered. Only API routes
 * (under /api/) can be switched off: the web app's files, /docs, the published keys and
 * JSON-LD contexts carry no data of anyone and stay up. A route behind the staff guard is
 * staff (never switched off), whatever its path: partner-client management included.
 */
export function surfaceOfRoute(
  route: Pick<RouteOptions, 'url' | 'preHandler' | 'onRequest'>,
  guards: { staff: unknown; citizen: unknown },
): Surface | null {
  const url = route.url;
  if (!url.startsWith('/api/') || ALWAYS_ON.test(url) || url.startsWith(STAFF_PREFIX)) return null;
  const handlers: unknown[] = [route.preHandler, route.onRequest].flat();
  if (handlers.includes(guards.staff)) return null;
  if (handlers.includes(guards.citizen) || url.startsWith(CITIZEN_LOGIN_PREFIX)) return 'citizen';
  if (url.startsWith(PARTNER_PREFIX)) return 'partners';
  return 'public';
}

/**
 * Classifies every route as it is registered and puts the check first among its
 * onRequest hooks (after the edge's global ones, before any login guard): a refused call
 * costs one map lookup and never reaches a guard, a body parser or the database.
 */
export function installGate(
  app: FastifyInstance,
  {
    board,
    guards,
    onRefused,
  }: {
    board: Board;
    guards: { staff: unknown; citizen: unknown };
    onRefused: (surface: Surface) => void;
  },
): void {
  const gates = new Map<
    Surface,
    (r: FastifyRequest, p: FastifyReply, d: HookHandlerDoneFunction) => void
  >();
  const gate = (surface: Surface) => {
    let made = gates.get(surface);
    if (!made) {
      made = function killSwitchGate(_request, _reply, done) {
        const off = board.surfaceOff(surface);
        if (!off) {
          done();
          return;
        }
        onRefused(surface);
        done(new ApiSwitchedOff(off));
      };
      gates.set(surface, made);
    }
    return made;
  };
  app.addHook('onRoute', (route) => {
    const surface = surfaceOfRoute(route, guards);
    if (!surface) return;
    route.onRequest = [gate(surface), ...[route.onRequest].flat().filter((h) => h !== undefined)];
  });
}

/**
 * For the partner guard, once it knows the client and scope of a call: throws the 503 if
 * all partner APIs, this client or this scope are switched off. Other surfaces are
 * enforced per route already; asking about them here answers the same.
 */
export function assertOpenWith(board: Board, onRefused: (surface: Surface) => void) {
  return function assertOpen(call: { surface: Surface; clientId?: string; scope?: string }): void {
    const off =
      call.surface === 'partners'
        ? board.partnerOff(call.clientId, call.scope)
        : board.surfaceOff(call.surface);
    if (!off) return;
    onRefused(call.surface);
    throw new ApiSwitchedOff(off);
  };
}
