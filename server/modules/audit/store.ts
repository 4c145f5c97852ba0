import type { Insertable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { AuditTables } from './tables.js';

type NewAuditRow = Insertable<AuditTables['audit_log']>;

export function createAuditStore() {
  return {
    async insert(tx: Db, row: NewAuditRow): Promise<void> {
      await tx.insertInto('audit_log').values(row).execute();
    },
  };
}
