import { createPublicKey, verify } from 'node:crypto';

import * as canonicalizeNs from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testApp } from '../../../test/helpers/app.js';
import { Forbidden, Unauthorized } from '../../http/errors.js';
import { rememberActor } from './denied.js';
import { createAuditModule } from './module.js';

const canonicalize = (canonicalizeNs as unknown as { default: (v: unknown) => string }).default;

let t: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  t = await testApp({ TEEKA_AUDIT_CHECKPOINT_SECONDS: '1' });
  t.app.get('/test/secret/:id', (request) => {
    rememberActor(request, { type: 'staff', id: 'staff-42', role: 'vaccinator' });
    throw new Forbidden('Not your centre.', 'outside-jurisdiction');
  });
  t.app.get('/test/login', () => {
    throw new Unauthorized();
  });
});
afterAll(() => t.close());

const audit = createAuditModule().service;

describe('audit over HTTP', () => {
  it('records every 401 and 403 answer in its own transaction, with actor, route, reason, request id and IP', async () => {
    const denied = await t.app.inject({
      url: '/test/secret/ben-123',
      headers: { 'x-request-id': 'req-denied-0001' },
    });
    expect(denied.statusCode).toBe(403);
    const anonymous = await t.app.inject({ url: '/test/login' });
    expect(anonymous.statusCode).toBe(401);

    const rows = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'http.denied')
      .orderBy('id')
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      actor_type: 'staff',
      actor_id: 'staff-42',
      actor_role: 'vaccinator',
      outcome: 'denied',
      reason: 'outside-jurisdiction',
      request_id: 'req-denied-0001',
      client_ip: '127.0.0.1',
      details: { method: 'GET', route: '/test/secret/:id', status: 403 },
    });
    // The route pattern is kept, never the concrete path with its ids.
    expect(JSON.stringify(rows)).not.toContain('ben-123');
    expect(rows[1]).toMatchObject({ actor_type: 'anonymous', reason: 'unauthorized' });
  });

  it('publishes the audit key as a JWK Set, and the periodic checkpoint verifies with it', async () => {
    const response = await t.app.inject({ url: '/.well-known/teeka-audit-key.json' });
    expect(response.statusCode).toBe(200);
    const { keys } = response.json<{
      keys: { kid: string; x: string; kty: string; crv: string }[];
    }>();
    expect(keys).toHaveLength(1);
    const jwk = keys[0] as { kid: string; x: string; kty: string; crv: string };

    // The timer (every second here) adds the denied-request records and signs a checkpoint.
    let checkpoint;
    for (let i = 0; i < 100 && !checkpoint; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      checkpoint = await t.database.db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .executeTakeFirst();
    }
    if (!checkpoint) throw new Error('no checkpoint was made');
    expect(checkpoint.key_id).toBe(jwk.kid);
    const signed = canonicalize({
      format: 'teeka-audit-checkpoint/v1',
      treeSize: checkpoint.tree_size,
      rootHash: Buffer.from(checkpoint.root_hash).toString('hex'),
      issuedAt: checkpoint.issued_at,
      keyId: checkpoint.key_id,
    });
    const publicKey = createPublicKey({
      key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
      format: 'jwk',
    });
    expect(verify(null, Buffer.from(signed), publicKey, Buffer.from(checkpoint.signature))).toBe(
      true,
    );
  });

  it("shows a citizen who accessed their beneficiaries' records, and nothing about anyone else", async () => {
    const read = (ben: string, org: string, role: string) =>
      t.database.db.transaction().execute((tx) =>
        audit.record(
          tx,
          {
            actor: { type: 'staff', id: `staff-of-${org}`, role, organisation: org },
            action: 'beneficiary.read',
            subject: { type: 'beneficiary', id: ben },
            outcome: 'allowed',
            reason: 'vaccination',
          },
          { requestId: `req-${ben}-${org}`, clientIp: '10.1.2.3' },
        ),
      );
    await read('BEN-MINE-1', 'PHC Rampur', 'vaccinator');
    await read('BEN-OTHER', 'CHC Sitapur', 'verifier');
    await read('BEN-MINE-2', 'ICMR research partner', 'partner');
    const entries = await t.database.db
      .transaction()
      .execute((tx) => audit.accessLog(tx, ['BEN-MINE-1', 'BEN-MINE-2']));
    expect(entries.map((e) => [e.beneficiaryRef, e.actor.organisation, e.actor.role])).toEqual([
      ['BEN-MINE-2', 'ICMR research partner', 'partner'],
      ['BEN-MINE-1', 'PHC Rampur', 'vaccinator'],
    ]);
    expect(entries[0]).toMatchObject({
      action: 'beneficiary.read',
      outcome: 'allowed',
      reason: 'vaccination',
    });
    const shown = JSON.stringify(entries);
    for (const hidden of ['BEN-OTHER', 'Sitapur', 'staff-of-', '10.1.2.3', 'req-']) {
      expect(shown).not.toContain(hidden);
    }
    expect(await t.database.db.transaction().execute((tx) => audit.accessLog(tx, []))).toEqual([]);
  });
});
