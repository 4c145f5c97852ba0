import { setTimeout } from 'node:timers/promises';

import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { ed25519Jwks } from '../../crypto/jwks.js';
import type { KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import { auditKey } from './checkpoint.js';
import { createAuditService } from './service.js';
import { createAuditStore } from './store.js';
import { createAuditTree } from './tree.js';

/** The recording interface every domain uses: `createAuditModule().service.record(tx, event, ctx)`. */
export function createAuditModule() {
  return { service: createAuditService({ store: createAuditStore() }) };
}

/** The tamper-evident side: Merkle tree, checkpoints, proofs and the published key. */
export function createAuditTrail({ db, keys, clock }: { db: Db; keys: KeyRing; clock: Clock }) {
  const store = createAuditStore();
  const key = auditKey(keys);
  const tree = createAuditTree({ store, key, clock });
  const routes: FastifyPluginCallbackZod = (app, _options, done) => {
    app.get(
      '/.well-known/teeka-audit-key.json',
      {
        schema: {
          tags: ['audit'],
          summary: 'The public key (JWK Set) that signs audit checkpoints',
          response: { 200: ed25519Jwks },
        },
      },
      () => ({ keys: [key.jwk] }),
    );
    done();
  };
  return {
    store,
    key,
    tree,
    routes,
    /**
     * Adds every settled record to the tree, then signs a checkpoint if it grew. With
     * `waitMs`, first waits (up to that long) until every record committed before the call
     * is settled: transactions running elsewhere on the server can hold that back briefly.
     */
    async checkpointNow({ waitMs = 0 }: { waitMs?: number } = {}) {
      const target = await store.maxVisibleRecordId(db);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const { settledUpTo } = await db.transaction().execute((tx) => tree.sequence(tx));
        if (settledUpTo >= target || Date.now() >= deadline) break;
        await setTimeout(20);
      }
      return db.transaction().execute((tx) => tree.checkpointIfGrown(tx));
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
