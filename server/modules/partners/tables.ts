import type { ColumnType, Generated } from 'kysely';

import type { Scope } from './scopes.js';

export type ClientStatus = 'active' | 'suspended' | 'revoked';
/** A partner authenticates with a client secret and tokens; an app with an API key. */
export type ClientKind = 'partner' | 'app';
export type ConsentRequestStatus = 'pending' | 'used' | 'dead';
export type SubjectKind = 'mobile' | 'beneficiary';

/** jsonb: written as a JSON string (the same on both engines), read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface PartnerTables {
  partner_clients: {
    client_id: string;
    name: string;
    purpose: string;
    contact: string;
    scopes: Json<Scope[]>;
    allow_list: Json<string[]>;
    per_minute: number;
    per_day: number;
    kind: Generated<ClientKind>;
    /** HMAC-SHA256 of the secret under the key ring's "partner-client-secret" key, base64url; null for apps. */
    secret_hash: string | null;
    /** An app's current API key: its public id (the lookup, named in audit records)... */
    api_key_id: string | null;
    /** ...and HMAC-SHA256 of the key under "partner-app-key"; null once the key is revoked. */
    api_key_hash: string | null;
    api_key_created_at: Date | null;
    api_key_rotated_at: Date | null;
    api_key_revoked_at: Date | null;
    secret_generation: Generated<number>;
    status: Generated<ClientStatus>;
    status_reason: string | null;
    created_by: string;
    created_at: Date;
    updated_at: Date;
  };
  partner_consent_requests: {
    request_id: string;
    client_id: string;
    mobile_ref: string;
    beneficiary_reference_id: string;
    scope: Scope;
    purpose: string;
    valid_seconds: number;
    max_uses: number;
    otp_hash: string;
    status: Generated<ConsentRequestStatus>;
    attempts: Generated<number>;
    created_at: Date;
    expires_at: Date;
  };
  partner_consents: {
    consent_id: string;
    client_id: string;
    mobile_ref: string;
    beneficiary_reference_id: string;
    scope: Scope;
    purpose: string;
    max_uses: number;
    uses_left: number;
    created_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
  };
  partner_subjects_seen: {
    client_id: string;
    kind: SubjectKind;
    subject_key: string;
    seen_at: Date;
  };
  partner_alerts: {
    alert_id: Generated<number>;
    client_id: string;
    kind: 'enumeration';
    details: Json<Record<string, string | number>>;
    raised_at: Date;
    resolved_at: Date | null;
    resolved_by: string | null;
  };
}
