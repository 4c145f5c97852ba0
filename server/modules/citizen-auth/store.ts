import type { Insertable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { CitizenAuthTables, OtpStatus } from './tables.js';

export function createCitizenAuthStore() {
  return {
    async insertOtp(tx: Db, row: Insertable<CitizenAuthTables['otp_transactions']>) {
      await tx.insertInto('otp_transactions').values(row).execute();
    },
    /** Locks the transaction's row so that two confirmations of one txn run one after the other. */
    lockOtp(tx: Db, txnId: string) {
      return tx
        .selectFrom('otp_transactions')
        .selectAll()
        .where('txn_id', '=', txnId)
        .forUpdate()
        .executeTakeFirst();
    },
    async updateOtp(tx: Db, txnId: string, change: { status: OtpStatus; attempts: number }) {
      await tx.updateTable('otp_transactions').set(change).where('txn_id', '=', txnId).execute();
    },
    async deleteOtpsExpiredBefore(tx: Db, before: Date) {
      await tx.deleteFrom('otp_transactions').where('expires_at', '<', before).execute();
    },
    async ensureAccount(tx: Db, row: Insertable<CitizenAuthTables['citizen_accounts']>) {
      await tx
        .insertInto('citizen_accounts')
        .values(row)
        .onConflict((oc) => oc.column('mobile_ref').doNothing())
        .execute();
    },
    account(db: Db, mobileRef: string) {
      return db
        .selectFrom('citizen_accounts')
        .select('mobile_enc')
        .where('mobile_ref', '=', mobileRef)
        .executeTakeFirst();
    },
    lockAccount(tx: Db, mobileRef: string) {
      return tx
        .selectFrom('citizen_accounts')
        .select('mobile_ref')
        .where('mobile_ref', '=', mobileRef)
        .forUpdate()
        .executeTakeFirst();
    },
    async revoke(tx: Db, jti: string, expiresAt: Date) {
      await tx
        .insertInto('citizen_token_revocations')
        .values({ jti, expires_at: expiresAt })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },
    async isRevoked(db: Db, jti: string) {
      const row = await db
        .selectFrom('citizen_token_revocations')
        .select('jti')
        .where('jti', '=', jti)
        .executeTakeFirst();
      return row !== undefined;
    },
    async deleteRevocationsExpiredBefore(tx: Db, before: Date) {
      await tx.deleteFrom('citizen_token_revocations').where('expires_at', '<', before).execute();
    },
  };
}

export type CitizenAuthStore = ReturnType<typeof createCitizenAuthStore>;
