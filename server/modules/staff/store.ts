import type { Updateable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { Grant, Place } from './roles.js';
import type { StaffTables } from './tables.js';

type AccountRow = StaffTables['staff_accounts'];

const toGrant = (row: {
  role: Grant['role'];
  state_id: number | null;
  district_id: number | null;
  center_id: number | null;
}): Grant => ({
  role: row.role,
  stateId: row.state_id,
  districtId: row.district_id,
  centerId: row.center_id,
});

export function createStaffStore() {
  return {
    async accountByUsername(tx: Db, username: string) {
      return tx
        .selectFrom('staff_accounts')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst();
    },
    async account(tx: Db, staffId: string) {
      return tx
        .selectFrom('staff_accounts')
        .selectAll()
        .where('staff_id', '=', staffId)
        .executeTakeFirst();
    },
    async nationalAdminExists(tx: Db) {
      const row = await tx
        .selectFrom('staff_grants as g')
        .innerJoin('staff_accounts as a', 'a.staff_id', 'g.staff_id')
        .select('g.grant_id')
        .where('g.role', '=', 'national-admin')
        .where('a.status', '!=', 'disabled')
        .executeTakeFirst();
      return row !== undefined;
    },
    async accounts(tx: Db, staffIds: readonly string[]) {
      if (staffIds.length === 0) return [];
      return tx
        .selectFrom('staff_accounts')
        .select(['staff_id', 'username', 'status', 'must_reset'])
        .where('staff_id', 'in', staffIds)
        .orderBy('username')
        .execute();
    },
    async grantsOf(tx: Db, staffIds: readonly string[]): Promise<Map<string, Grant[]>> {
      const byStaff = new Map<string, Grant[]>(staffIds.map((id) => [id, []]));
      if (staffIds.length === 0) return byStaff;
      const rows = await tx
        .selectFrom('staff_grants')
        .select(['staff_id', 'role', 'state_id', 'district_id', 'center_id'])
        .where('staff_id', 'in', staffIds)
        .orderBy('grant_id')
        .execute();
      for (const row of rows) byStaff.get(row.staff_id)?.push(toGrant(row));
      return byStaff;
    },
    async insertAccount(
      tx: Db,
      values: { username: string; createdBy: string | null; at: Date },
    ): Promise<string> {
      const row = await tx
        .insertInto('staff_accounts')
        .values({ username: values.username, created_by: values.createdBy, created_at: values.at })
        .onConflict((oc) => oc.column('username').doNothing())
        .returning('staff_id')
        .executeTakeFirst();
      return row?.staff_id ?? '';
    },
    async replaceGrants(tx: Db, staffId: string, grants: readonly Grant[]) {
      await tx.deleteFrom('staff_grants').where('staff_id', '=', staffId).execute();
      if (grants.length === 0) return;
      await tx
        .insertInto('staff_grants')
        .values(
          grants.map((g) => ({
            staff_id: staffId,
            role: g.role,
            state_id: g.stateId,
            district_id: g.districtId,
            center_id: g.centerId,
          })),
        )
        .execute();
    },
    async updateAccount(
      tx: Db,
      staffId: string,
      values: Omit<Updateable<AccountRow>, 'staff_id' | 'username' | 'created_at' | 'created_by'>,
    ) {
      await tx.updateTable('staff_accounts').set(values).where('staff_id', '=', staffId).execute();
    },
    async markMustReset(tx: Db, staffIds: readonly string[]) {
      if (staffIds.length === 0) return;
      await tx
        .updateTable('staff_accounts')
        .set({ must_reset: true })
        .where('staff_id', 'in', staffIds)
        .where('status', '=', 'active')
        .execute();
    },
    /**
     * Accepts a TOTP time step only if it is later than every step this account used
     * before, in one conditional UPDATE, so two requests racing with one code cannot both win.
     */
    async consumeTotpStep(tx: Db, staffId: string, step: number): Promise<boolean> {
      const result = await tx
        .updateTable('staff_accounts')
        .set({ totp_last_step: step })
        .where('staff_id', '=', staffId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    /** Accounts every one of whose grants lies inside `place` (the country: every account with a grant). */
    async accountsWithin(
      tx: Db,
      place: Place,
      { withDisabled = false }: { withDisabled?: boolean } = {},
    ): Promise<string[]> {
      // Ancestors are stored with each grant: "inside" is one column at the place's level.
      const level =
        place.centerId !== null
          ? (['g.center_id', place.centerId] as const)
          : place.districtId !== null
            ? (['g.district_id', place.districtId] as const)
            : place.stateId !== null
              ? (['g.state_id', place.stateId] as const)
              : null;
      const rows = await tx
        .selectFrom('staff_accounts as a')
        .select('a.staff_id')
        .$if(!withDisabled, (q) => q.where('a.status', '!=', 'disabled'))
        .where((eb) =>
          eb.exists(eb.selectFrom('staff_grants as g').whereRef('g.staff_id', '=', 'a.staff_id')),
        )
        .where((eb) => {
          if (!level) return eb.lit(true);
          const [column, id] = level;
          return eb.not(
            eb.exists(
              eb
                .selectFrom('staff_grants as g')
                .whereRef('g.staff_id', '=', 'a.staff_id')
                .where((w) => w.or([w(column, 'is', null), w(column, '!=', id)])),
            ),
          );
        })
        .execute();
      return rows.map((r) => r.staff_id);
    },

    async insertEnrolment(tx: Db, values: StaffTables['staff_enrolments']) {
      await tx.insertInto('staff_enrolments').values(values).execute();
    },
    /** Locks the link's row: two requests using one link are served one after the other. */
    async enrolmentForUpdate(tx: Db, tokenHash: string) {
      return tx
        .selectFrom('staff_enrolments')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .forUpdate()
        .executeTakeFirst();
    },
    async updateEnrolment(
      tx: Db,
      tokenHash: string,
      values: { pending_totp_secret?: string; used_at?: Date },
    ) {
      await tx
        .updateTable('staff_enrolments')
        .set(values)
        .where('token_hash', '=', tokenHash)
        .execute();
    },
    /** Ends every open link of these accounts: a newer link or an action replaces them. */
    async closeEnrolments(tx: Db, staffIds: readonly string[], at: Date) {
      if (staffIds.length === 0) return;
      await tx
        .updateTable('staff_enrolments')
        .set({ used_at: at })
        .where('staff_id', 'in', staffIds)
        .where('used_at', 'is', null)
        .execute();
    },

    async insertSession(tx: Db, values: StaffTables['staff_sessions']) {
      await tx.insertInto('staff_sessions').values(values).execute();
    },
    async session(tx: Db, tokenHash: string) {
      return tx
        .selectFrom('staff_sessions as s')
        .innerJoin('staff_accounts as a', 'a.staff_id', 's.staff_id')
        .select([
          's.token_hash',
          's.staff_id',
          's.kind',
          's.csrf_hash',
          's.created_at',
          's.last_seen_at',
          's.second_factor_at',
          's.revoked_at',
          'a.username',
          'a.status',
          'a.must_reset',
        ])
        .where('s.token_hash', '=', tokenHash)
        .executeTakeFirst();
    },
    async updateSession(
      tx: Db,
      tokenHash: string,
      values: { last_seen_at?: Date; second_factor_at?: Date },
    ) {
      await tx
        .updateTable('staff_sessions')
        .set(values)
        .where('token_hash', '=', tokenHash)
        .execute();
    },
    async revokeSession(tx: Db, tokenHash: string, at: Date) {
      await tx
        .updateTable('staff_sessions')
        .set({ revoked_at: at })
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .execute();
    },
    /** Ends every session and token of these accounts at once; returns how many were open. */
    async revokeSessionsOf(tx: Db, staffIds: readonly string[], at: Date): Promise<number> {
      if (staffIds.length === 0) return 0;
      const result = await tx
        .updateTable('staff_sessions')
        .set({ revoked_at: at })
        .where('staff_id', 'in', staffIds)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async statesExisting(tx: Db, ids: readonly number[]) {
      if (ids.length === 0) return [];
      const rows = await tx
        .selectFrom('states')
        .select('state_id')
        .where('state_id', 'in', ids)
        .execute();
      return rows.map((r) => r.state_id);
    },
    async districtsOf(tx: Db, ids: readonly number[]) {
      if (ids.length === 0) return [];
      return tx
        .selectFrom('districts')
        .select(['district_id', 'state_id'])
        .where('district_id', 'in', ids)
        .execute();
    },
    async centresOf(tx: Db, ids: readonly number[]) {
      if (ids.length === 0) return [];
      return tx
        .selectFrom('centres')
        .select(['center_id', 'district_id', 'state_id'])
        .where('center_id', 'in', ids)
        .execute();
    },
  };
}

export type StaffStore = ReturnType<typeof createStaffStore>;
