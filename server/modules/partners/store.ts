import type { Insertable } from 'kysely';

import type { Db } from '../../db/index.js';
import type { Scope } from './scopes.js';
import type { ClientStatus, ConsentRequestStatus, PartnerTables, SubjectKind } from './tables.js';

type ClientRow = Insertable<PartnerTables['partner_clients']>;

const CLIENT_COLUMNS = [
  'client_id',
  'kind',
  'name',
  'purpose',
  'contact',
  'scopes',
  'allow_list',
  'per_minute',
  'per_day',
  'status',
  'status_reason',
  'secret_generation',
  'api_key_id',
  'api_key_created_at',
  'api_key_rotated_at',
  'api_key_revoked_at',
  'created_at',
  'updated_at',
] as const;

export function createPartnerStore() {
  return {
    async insertClient(tx: Db, row: ClientRow) {
      await tx.insertInto('partner_clients').values(row).execute();
    },
    client(tx: Db, clientId: string) {
      return tx
        .selectFrom('partner_clients')
        .select(CLIENT_COLUMNS)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
    },
    clients(tx: Db) {
      return tx
        .selectFrom('partner_clients')
        .select(CLIENT_COLUMNS)
        .orderBy('created_at')
        .execute();
    },
    async nameTaken(tx: Db, name: string): Promise<boolean> {
      const row = await tx
        .selectFrom('partner_clients')
        .select('client_id')
        .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
        .executeTakeFirst();
      return row !== undefined;
    },
    /** What the token endpoint needs: the stored secret hash and whether the client may have tokens. */
    credentials(tx: Db, clientId: string) {
      return tx
        .selectFrom('partner_clients')
        .select([
          'client_id',
          'name',
          'secret_hash',
          'secret_generation',
          'status',
          'scopes',
          'allow_list',
        ])
        .where('client_id', '=', clientId)
        .executeTakeFirst();
    },
    async replaceSecret(tx: Db, clientId: string, hash: string, now: Date) {
      return tx
        .updateTable('partner_clients')
        .set((eb) => ({
          secret_hash: hash,
          secret_generation: eb('secret_generation', '+', 1),
          updated_at: now,
        }))
        .where('client_id', '=', clientId)
        .returning('secret_generation')
        .executeTakeFirst();
    },
    /** The app whose current or revoked key has this id, with the key's hash (null once revoked). */
    appByKeyId(tx: Db, keyId: string) {
      return tx
        .selectFrom('partner_clients')
        .select([...CLIENT_COLUMNS, 'api_key_hash'])
        .where('api_key_id', '=', keyId)
        .where('kind', '=', 'app')
        .executeTakeFirst();
    },
    /** Replaces an app's key (the old id stops matching at once); undefined for no such app. */
    replaceApiKey(tx: Db, clientId: string, key: { id: string; hash: string }, now: Date) {
      return tx
        .updateTable('partner_clients')
        .set({
          api_key_id: key.id,
          api_key_hash: key.hash,
          api_key_rotated_at: now,
          api_key_revoked_at: null,
          updated_at: now,
        })
        .where('client_id', '=', clientId)
        .where('kind', '=', 'app')
        .returning('client_id')
        .executeTakeFirst();
    },
    /** Forgets an app's key hash, so that no key matches until a new one is made. */
    revokeApiKey(tx: Db, clientId: string, now: Date) {
      return tx
        .updateTable('partner_clients')
        .set({ api_key_hash: null, api_key_revoked_at: now, updated_at: now })
        .where('client_id', '=', clientId)
        .where('kind', '=', 'app')
        .where('api_key_hash', 'is not', null)
        .returning('api_key_id')
        .executeTakeFirst();
    },
    /** Moves a client from one of `from` to `to`; undefined when it was in none of them. */
    setStatus(
      tx: Db,
      clientId: string,
      from: readonly ClientStatus[],
      to: ClientStatus,
      reason: string | null,
      now: Date,
    ) {
      return tx
        .updateTable('partner_clients')
        .set({ status: to, status_reason: reason, updated_at: now })
        .where('client_id', '=', clientId)
        .where('status', 'in', from)
        .returning(['client_id', 'name'])
        .executeTakeFirst();
    },

    async insertConsentRequest(tx: Db, row: Insertable<PartnerTables['partner_consent_requests']>) {
      await tx.insertInto('partner_consent_requests').values(row).execute();
    },
    async deleteConsentRequestsExpiredBefore(tx: Db, before: Date) {
      await tx.deleteFrom('partner_consent_requests').where('expires_at', '<', before).execute();
    },
    lockConsentRequest(tx: Db, requestId: string) {
      return tx
        .selectFrom('partner_consent_requests')
        .selectAll()
        .where('request_id', '=', requestId)
        .forUpdate()
        .executeTakeFirst();
    },
    async updateConsentRequest(
      tx: Db,
      requestId: string,
      change: { status: ConsentRequestStatus; attempts: number },
    ) {
      await tx
        .updateTable('partner_consent_requests')
        .set(change)
        .where('request_id', '=', requestId)
        .execute();
    },

    async insertConsent(tx: Db, row: Insertable<PartnerTables['partner_consents']>) {
      await tx.insertInto('partner_consents').values(row).execute();
    },
    /**
     * Spends one use of a live consent in one conditional UPDATE, so that concurrent reads
     * can never spend more uses than it has (the row lock serialises them on PostgreSQL).
     */
    spendConsent(
      tx: Db,
      match: { consentId: string; clientId: string; scope: Scope; beneficiaryRef: string },
      now: Date,
    ) {
      return tx
        .updateTable('partner_consents')
        .set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
        .where('consent_id', '=', match.consentId)
        .where('client_id', '=', match.clientId)
        .where('scope', '=', match.scope)
        .where('beneficiary_reference_id', '=', match.beneficiaryRef)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where('uses_left', '>', 0)
        .returning(['beneficiary_reference_id', 'uses_left'])
        .executeTakeFirst();
    },
    consent(tx: Db, consentId: string) {
      return tx
        .selectFrom('partner_consents')
        .selectAll()
        .where('consent_id', '=', consentId)
        .executeTakeFirst();
    },
    consentsOf(tx: Db, mobileRef: string) {
      return tx
        .selectFrom('partner_consents as c')
        .innerJoin('partner_clients as p', 'p.client_id', 'c.client_id')
        .select([
          'c.consent_id',
          'c.beneficiary_reference_id',
          'p.name as partner',
          'c.scope',
          'c.purpose',
          'c.created_at',
          'c.expires_at',
          'c.uses_left',
          'c.revoked_at',
        ])
        .where('c.mobile_ref', '=', mobileRef)
        .orderBy('c.created_at', 'desc')
        .limit(200)
        .execute();
    },
    revokeConsent(tx: Db, consentId: string, mobileRef: string, now: Date) {
      return tx
        .updateTable('partner_consents')
        .set({ revoked_at: now })
        .where('consent_id', '=', consentId)
        .where('mobile_ref', '=', mobileRef)
        .where('revoked_at', 'is', null)
        .returning(['beneficiary_reference_id', 'client_id', 'scope'])
        .executeTakeFirst();
    },

    async touchSubjects(
      tx: Db,
      clientId: string,
      subjects: { kind: SubjectKind; key: string }[],
      now: Date,
    ) {
      await tx
        .insertInto('partner_subjects_seen')
        .values(
          subjects.map((s) => ({
            client_id: clientId,
            kind: s.kind,
            subject_key: s.key,
            seen_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['client_id', 'kind', 'subject_key']).doUpdateSet({ seen_at: now }),
        )
        .execute();
    },
    async subjectsSince(tx: Db, clientId: string, kind: SubjectKind, since: Date) {
      const row = await tx
        .selectFrom('partner_subjects_seen')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('client_id', '=', clientId)
        .where('kind', '=', kind)
        .where('seen_at', '>=', since)
        .executeTakeFirstOrThrow();
      return row.n;
    },
    async forgetSubjectsBefore(tx: Db, clientId: string, before: Date) {
      await tx
        .deleteFrom('partner_subjects_seen')
        .where('client_id', '=', clientId)
        .where('seen_at', '<', before)
        .execute();
    },
    async forgetAllSubjects(tx: Db, clientId: string) {
      await tx.deleteFrom('partner_subjects_seen').where('client_id', '=', clientId).execute();
    },

    async insertAlert(tx: Db, row: Insertable<PartnerTables['partner_alerts']>) {
      await tx.insertInto('partner_alerts').values(row).execute();
    },
    alerts(tx: Db) {
      return tx
        .selectFrom('partner_alerts as a')
        .innerJoin('partner_clients as p', 'p.client_id', 'a.client_id')
        .select([
          'a.alert_id',
          'a.client_id',
          'p.name as client_name',
          'a.kind',
          'a.details',
          'a.raised_at',
          'a.resolved_at',
        ])
        .orderBy('a.alert_id', 'desc')
        .limit(500)
        .execute();
    },
    async resolveAlerts(tx: Db, clientId: string, by: string, now: Date) {
      await tx
        .updateTable('partner_alerts')
        .set({ resolved_at: now, resolved_by: by })
        .where('client_id', '=', clientId)
        .where('resolved_at', 'is', null)
        .execute();
    },
  };
}

export type PartnerStore = ReturnType<typeof createPartnerStore>;
