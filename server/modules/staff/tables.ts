import type { Generated } from 'kysely';

import type { Role } from './roles.js';

export interface StaffTables {
  staff_accounts: {
    staff_id: Generated<string>;
    username: string;
    status: Generated<'pending' | 'active' | 'disabled'>;
    password_hash: string | null;
    totp_secret: string | null;
    totp_last_step: number | null;
    must_reset: Generated<boolean>;
    created_by: string | null;
    created_at: Date;
    password_changed_at: Date | null;
  };
  staff_grants: {
    grant_id: Generated<number>;
    staff_id: string;
    role: Role;
    state_id: number | null;
    district_id: number | null;
    center_id: number | null;
  };
  staff_enrolments: {
    token_hash: string;
    staff_id: string;
    purpose: 'enrol' | 'reset';
    pending_totp_secret: string | null;
    created_at: Date;
    expires_at: Date;
    used_at: Date | null;
  };
  staff_sessions: {
    token_hash: string;
    staff_id: string;
    kind: 'cookie' | 'bearer';
    csrf_hash: string | null;
    created_at: Date;
    last_seen_at: Date;
    second_factor_at: Date;
    revoked_at: Date | null;
  };
}
