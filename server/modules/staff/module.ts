import type { Db } from '../../db/index.js';
import type { Platform } from '../../platform/platform.js';
import { createAuditModule } from '../audit/module.js';
import { createAccess } from './access.js';
import { createAdminService } from './admin-service.js';
import { createAuthService } from './auth-service.js';
import { staffAuthenticator } from './authenticate.js';
import { staffRoutes } from './routes.js';
import { createStaffStore } from './store.js';
import { createLoginThrottle } from './throttle.js';

export function createStaffModule({
  db,
  limits,
  clock,
  config,
  keys,
}: Pick<Platform, 'db' | 'limits' | 'clock' | 'config' | 'keys'>) {
  const store = createStaffStore();
  const audit = createAuditModule().service;
  const throttle = createLoginThrottle(limits);
  const access = createAccess({ store });
  const auth = createAuthService({ db, store, audit, clock, keys, throttle });
  const admin = createAdminService({
    db,
    store,
    audit,
    clock,
    access,
    throttle,
    // The token rides in the fragment, which browsers never send to a server or its logs.
    enrolmentUrl: (token) => `${config.publicUrl}/staff/enrol#${token}`,
  });
  // Browsers reach Teeka over HTTPS when it terminates TLS itself or sits behind a trusted TLS proxy.
  const tls = config.tls !== undefined || config.trustProxy !== undefined;
  const authenticate = staffAuthenticator(auth, tls);
  return {
    /** For other modules' staff routes: `{ preHandler: staff.authenticate }`, then `staff.access.require(...)`. */
    authenticate,
    access,
    /** For sensitive actions elsewhere (kill switch, key rotation): throws 403 step-up-required. */
    requireStepUp: admin.requireStepUp,
    /** A staff member's username (what certificates print as the vaccinator). */
    usernameOf: async (tx: Db, staffId: string) => (await store.account(tx, staffId))?.username,
    auth,
    admin,
    audit,
    routes: staffRoutes({ auth, admin, authenticate, tls }),
  };
}

export type StaffModule = ReturnType<typeof createStaffModule>;
