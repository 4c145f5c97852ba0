import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Conflict, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { AuditActor, AuditService, RequestContext } from '../audit/service.js';
import { canonicalCidr } from './cidr.js';
import { apiKeyHash, newApiKey, newClientId, newClientSecret, secretHash } from './credentials.js';
import type { NewApp, NewClient } from './schemas.js';
import type { PartnerStore } from './store.js';
import type { ClientStatus } from './tables.js';

type ClientRow = NonNullable<Awaited<ReturnType<PartnerStore['client']>>>;

export function clientView(row: ClientRow) {
  return {
    client_id: row.client_id,
    kind: row.kind,
    name: row.name,
    purpose: row.purpose,
    contact: row.contact,
    scopes: row.scopes,
    allow_list: row.allow_list,
    per_minute: row.per_minute,
    per_day: row.per_day,
    status: row.status,
    status_reason: row.status_reason,
    app_key:
      row.kind === 'app' && row.api_key_id && row.api_key_created_at
        ? {
            key_id: row.api_key_id,
            created_at: row.api_key_created_at.toISOString(),
            rotated_at: row.api_key_rotated_at?.toISOString() ?? null,
            revoked_at: row.api_key_revoked_at?.toISOString() ?? null,
          }
        : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const unknownClient = () => new NotFound('There is no such partner client.', 'partner-not-found');
const wrongKind = (message: string) => new Conflict(message, 'partner-kind-conflict');

/**
 * Registering and managing partner clients (the staff side). Callers check roles and the
 * step-up first; every change is audited in its own transaction with the staff actor.
 */
export function createClientService({
  store,
  audit,
  keys,
  clock,
}: {
  store: PartnerStore;
  audit: AuditService;
  keys: KeyRing;
  clock: Clock;
}) {
  const record = (
    tx: Db,
    actor: AuditActor,
    action: string,
    clientId: string,
    context: RequestContext,
    details: Record<string, string | number | boolean | null> = {},
  ) =>
    audit.record(
      tx,
      {
        actor,
        action,
        subject: { type: 'partner-client', id: clientId },
        outcome: 'allowed',
        details,
      },
      context,
    );

  async function get(tx: Db, clientId: string) {
    const row = await store.client(tx, clientId);
    if (!row) throw unknownClient();
    return row;
  }

  /** Inserts a client of either kind after the name check; its credential comes from `credential`. */
  async function register(
    tx: Db,
    actor: AuditActor,
    input: NewClient | NewApp,
    context: RequestContext,
    credential: (
      clientId: string,
    ) => Pick<
      Parameters<PartnerStore['insertClient']>[1],
      'kind' | 'secret_hash' | 'api_key_id' | 'api_key_hash' | 'api_key_created_at'
    >,
  ): Promise<string> {
    if (await store.nameTaken(tx, input.name)) {
      throw new Conflict('A partner client with this name exists.', 'partner-name-taken');
    }
    const now = clock.now();
    const clientId = newClientId();
    const made = credential(clientId);
    await store.insertClient(tx, {
      client_id: clientId,
      name: input.name,
      purpose: input.purpose,
      contact: input.contact,
      scopes: JSON.stringify(input.scopes),
      allow_list: JSON.stringify([...new Set(input.allow_list.map(canonicalCidr))]),
      per_minute: input.per_minute,
      per_day: input.per_day,
      ...made,
      status_reason: null,
      created_by: actor.id ?? 'unknown',
      created_at: now,
      updated_at: now,
    });
    await record(
      tx,
      actor,
      made.kind === 'app' ? 'partner.app.create' : 'partner.client.create',
      clientId,
      context,
      {
        scopes: input.scopes.join(' '),
        allow_list_entries: input.allow_list.length,
        per_minute: input.per_minute,
        per_day: input.per_day,
        ...(made.api_key_id ? { key_id: made.api_key_id } : {}),
      },
    );
    return clientId;
  }

  async function move(
    tx: Db,
    actor: AuditActor,
    clientId: string,
    change: { from: ClientStatus[]; to: ClientStatus; action: string; reason: string | null },
    context: RequestContext,
  ) {
    const now = clock.now();
    const moved = await store.setStatus(tx, clientId, change.from, change.to, change.reason, now);
    if (!moved) {
      const row = await get(tx, clientId);
      throw new Conflict(
        `This client is ${row.status}; it cannot be moved to ${change.to}.`,
        'partner-status-conflict',
      );
    }
    if (change.to === 'active') {
      // The enumeration count starts again, or the next call would suspend it at once.
      await store.forgetAllSubjects(tx, clientId);
      await store.resolveAlerts(tx, clientId, actor.id ?? 'unknown', now);
    }
    await record(tx, actor, change.action, clientId, context, {
      status: change.to,
      reason: change.reason,
    });
    return clientView(await get(tx, clientId));
  }

  return {
    async create(tx: Db, actor: AuditActor, input: NewClient, context: RequestContext) {
      const secret = newClientSecret();
      const clientId = await register(tx, actor, input, context, (id) => ({
        kind: 'partner',
        secret_hash: secretHash(keys, id, secret),
      }));
      return { ...clientView(await get(tx, clientId)), client_secret: secret };
    },

    /** A registered app (x-api-key), its key shown this once. */
    async createApp(tx: Db, actor: AuditActor, input: NewApp, context: RequestContext) {
      const { keyId, apiKey } = newApiKey();
      const clientId = await register(tx, actor, input, context, () => ({
        kind: 'app',
        secret_hash: null,
        api_key_id: keyId,
        api_key_hash: apiKeyHash(keys, keyId, apiKey),
        api_key_created_at: clock.now(),
      }));
      return { ...clientView(await get(tx, clientId)), api_key: apiKey };
    },

    /**
     * A new API key for an app, shown once. The old key stops at once, and with it every
     * citizen token obtained through it (they are bound to the key id). Also how a revoked
     * key is replaced.
     */
    async rotateKey(tx: Db, actor: AuditActor, clientId: string, context: RequestContext) {
      const row = await get(tx, clientId);
      if (row.kind !== 'app') throw wrongKind('Only a registered app has an API key.');
      if (row.status === 'revoked') {
        throw new Conflict('A revoked client gets no new key.', 'partner-status-conflict');
      }
      const { keyId, apiKey } = newApiKey();
      await store.replaceApiKey(
        tx,
        clientId,
        { id: keyId, hash: apiKeyHash(keys, keyId, apiKey) },
        clock.now(),
      );
      await record(tx, actor, 'partner.app.rotate-key', clientId, context, {
        key_id: keyId,
        previous_key_id: row.api_key_id,
      });
      return { ...clientView(await get(tx, clientId)), api_key: apiKey };
    },

    /** The app's key stops matching at once, and its citizen tokens with it; the app stays. */
    async revokeKey(
      tx: Db,
      actor: AuditActor,
      clientId: string,
      reason: string,
      context: RequestContext,
    ) {
      const row = await get(tx, clientId);
      if (row.kind !== 'app') throw wrongKind('Only a registered app has an API key.');
      const revoked = await store.revokeApiKey(tx, clientId, clock.now());
      if (!revoked) throw new Conflict('This app’s key is revoked already.', 'api-key-revoked');
      await record(tx, actor, 'partner.app.revoke-key', clientId, context, {
        key_id: revoked.api_key_id,
        reason,
      });
      return clientView(await get(tx, clientId));
    },

    async list(tx: Db) {
      return { clients: (await store.clients(tx)).map(clientView) };
    },

    get: async (tx: Db, clientId: string) => clientView(await get(tx, clientId)),

    /** A new secret, shown once; the old one and every token issued under it stop at once. */
    async rotate(tx: Db, actor: AuditActor, clientId: string, context: RequestContext) {
      const row = await get(tx, clientId);
      if (row.kind !== 'partner') throw wrongKind('A registered app has an API key, no secret.');
      if (row.status === 'revoked') {
        throw new Conflict('A revoked client gets no new secret.', 'partner-status-conflict');
      }
      const secret = newClientSecret();
      const rotated = await store.replaceSecret(
        tx,
        clientId,
        secretHash(keys, clientId, secret),
        clock.now(),
      );
      await record(tx, actor, 'partner.client.rotate-secret', clientId, context, {
        generation: rotated?.secret_generation ?? null,
      });
      return { ...clientView(await get(tx, clientId)), client_secret: secret };
    },

    revoke: (tx: Db, actor: AuditActor, clientId: string, reason: string, ctx: RequestContext) =>
      move(
        tx,
        actor,
        clientId,
        { from: ['active', 'suspended'], to: 'revoked', action: 'partner.client.revoke', reason },
        ctx,
      ),

    /** Ends a suspension (the enumeration stop, or one an admin made). A revocation is final. */
    reinstate: (tx: Db, actor: AuditActor, clientId: string, reason: string, ctx: RequestContext) =>
      move(
        tx,
        actor,
        clientId,
        { from: ['suspended'], to: 'active', action: 'partner.client.reinstate', reason },
        ctx,
      ),

    suspend: (tx: Db, actor: AuditActor, clientId: string, reason: string, ctx: RequestContext) =>
      move(
        tx,
        actor,
        clientId,
        { from: ['active'], to: 'suspended', action: 'partner.client.suspend', reason },
        ctx,
      ),

    async alerts(tx: Db) {
      const rows = await store.alerts(tx);
      return {
        alerts: rows.map((row) => ({
          alert_id: row.alert_id,
          client_id: row.client_id,
          client_name: row.client_name,
          kind: row.kind,
          details: row.details,
          raised_at: row.raised_at.toISOString(),
          resolved_at: row.resolved_at ? row.resolved_at.toISOString() : null,
        })),
      };
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
