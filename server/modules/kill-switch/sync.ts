import { Redis } from 'ioredis';

import type { Db } from '../../db/index.js';
import type { Board } from './board.js';
import type { KillSwitchStore } from './store.js';

/** How often a node with Redis reads the version key (a missed message costs at most this). */
export const REDIS_CHECK_MS = 250;
/** How often a node on PostgreSQL without Redis (or with Redis down) reads the version row. */
export const DATABASE_CHECK_MS = 500;
/** With Redis up, the database is still read this often: a writer that could not reach Redis is seen by then. */
export const DATABASE_BACKSTOP_MS = 5_000;

export type SyncMode = 'in-process' | 'database-poll' | 'redis';

interface Log {
  warn(object: object, message: string): void;
}

const keys = (prefix: string) => ({
  version: `${prefix}:kill-switch:version`,
  channel: `${prefix}:kill-switch`,
});

/**
 * Raises the version key to `version` (never lowers it: two writers may announce out of
 * order) and publishes it, in one script so that no reader sees the message before the key.
 */
const ANNOUNCE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1`;

/** Tells every node through Redis that the kill switch moved to `version` (the CLI uses it too). */
export async function announceVersion(redis: Redis, prefix: string, version: number) {
  const { version: versionKey, channel } = keys(prefix);
  await redis.eval(ANNOUNCE, 1, versionKey, String(version), channel);
}

export function connectRedis(url: string, options: { offlineQueue: boolean }): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: options.offlineQueue,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Subscriptions are made again on every "ready" (below), never replayed half-made.
    autoResubscribe: false,
  });
  // An outage is handled by the database poll; the client must not crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Keeps this node's board in step with the database, within a second of any change on any
 * node: in process on the embedded database (one process holds it); by polling the version
 * row on PostgreSQL; with Redis, by pub/sub plus a version key read every 250 ms.
 */
export function createSync({
  db,
  store,
  board,
  redisUrl,
  prefix,
  postgres,
  log,
}: {
  db: Db;
  store: KillSwitchStore;
  board: Board;
  redisUrl: string | undefined;
  prefix: string;
  postgres: boolean;
  log: Log;
}) {
  const mode: SyncMode = redisUrl ? 'redis' : postgres ? 'database-poll' : 'in-process';
  const { version: versionKey, channel } = keys(prefix);
  // Connected in start(). Fails fast while Redis is down: the database poll takes over, and
  // a change is never held up.
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastDatabaseCheck = 0;
  let lastKey: string | null = null;
  let failing = false;

  const reportFailure = (error: unknown) => {
    // One line per outage, not one per tick; none while shutting down.
    if (stopped) return;
    if (!failing) log.warn({ err: error }, 'kill switch: cannot check for changes; retrying');
    failing = true;
  };

  async function checkDatabase(): Promise<void> {
    lastDatabaseCheck = Date.now();
    if ((await store.version(db)) !== board.version()) await board.refresh();
  }

  async function checkKey(client: Redis): Promise<void> {
    const value = await client.get(versionKey);
    if (value === null || value === lastKey) return;
    if (Number(value) > board.version()) await board.refresh();
    lastKey = value;
  }

  async function tick(): Promise<void> {
    const now = Date.now();
    if (redis?.status === 'ready') {
      await checkKey(redis);
      if (now - lastDatabaseCheck >= DATABASE_BACKSTOP_MS) await checkDatabase();
    } else if (now - lastDatabaseCheck >= DATABASE_CHECK_MS) {
      await checkDatabase();
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(
      () => {
        // The next check is timed from the end of this one: a slow database never piles them up.
        void tick()
          .then(
            () => (failing = false),
            (error: unknown) => reportFailure(error),
          )
          .finally(schedule);
      },
      mode === 'redis' ? REDIS_CHECK_MS : DATABASE_CHECK_MS,
    );
    timer.unref();
  }

  return {
    mode,
    /** Loads the state before the first request; starts watching for changes. */
    async start(): Promise<void> {
      await board.refresh();
      lastDatabaseCheck = Date.now();
      if (mode === 'in-process') return;
      if (redisUrl) {
        redis = connectRedis(redisUrl, { offlineQueue: false });
        const listener = connectRedis(redisUrl, { offlineQueue: false });
        subscriber = listener;
        const refresh = () => board.refresh().catch(reportFailure);
        listener.on('message', () => void refresh());
        // On every (re)connect: subscribe, and reload once for messages sent while away.
        listener.on('ready', () => {
          listener.subscribe(channel).catch(reportFailure);
          void refresh();
        });
      }
      schedule();
    },
    /** After a committed change: this node reloads at once, then the others are told. */
    async announce(version: number): Promise<void> {
      await board.refresh();
      if (!redis) return;
      try {
        await announceVersion(redis, prefix, version);
      } catch (error) {
        log.warn(
          { err: error },
          'kill switch: Redis did not take the announcement; other nodes see the change through the database within 5 s',
        );
      }
    },
    async close(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      for (const client of [subscriber, redis]) {
        if (client) await client.quit().catch(() => client.disconnect());
      }
    },
  };
}

export type KillSwitchSync = ReturnType<typeof createSync>;
