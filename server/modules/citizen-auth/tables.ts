import type { Generated } from 'kysely';

export type OtpStatus = 'pending' | 'used' | 'dead';

export interface CitizenAuthTables {
  otp_transactions: {
    txn_id: string;
    mobile_ref: string;
    mobile_enc: string;
    otp_hash: string;
    /** The registered app the login was asked through; null for the public login. */
    app_client_id: string | null;
    status: Generated<OtpStatus>;
    attempts: Generated<number>;
    created_at: Date;
    expires_at: Date;
  };
  citizen_accounts: { mobile_ref: string; mobile_enc: string; created_at: Date };
  citizen_token_revocations: { jti: string; expires_at: Date };
}
