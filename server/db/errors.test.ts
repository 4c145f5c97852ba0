import { createServer, type Server, type Socket } from 'node:net';

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { engine, freshDatabase } from '../../test/helpers/db.js';
import { freePort } from '../../test/helpers/process.js';
import { Unavailable } from '../http/errors.js';
import { databaseRefusal } from './errors.js';

/** What node-postgres throws when it tries `port` (a pool, as the app uses). */
async function poolError(port: number, connectTimeoutMs = 0): Promise<unknown> {
  const pool = new pg.Pool({
    connectionString: `postgres://teeka@127.0.0.1:${port}/teeka`,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  try {
    await pool.query('select 1');
    throw new Error('the query was answered');
  } catch (error) {
    return error;
  } finally {
    await pool.end();
  }
}

/** A TCP server that accepts connections and then does `onConnection` with them (never speaks PostgreSQL). */
async function listening(
  onConnection: (socket: Socket) => void,
): Promise<Server & { port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 });
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
  }
});

const outage = { status: 503, code: 'database-unavailable', extra: { retryAfterSeconds: 5 } };

describe('databaseRefusal', () => {
  it('answers a statement stopped by statement_timeout as database-timeout, Retry-After 2', () => {
    const refusal = databaseRefusal(
      Object.assign(new Error('canceling statement'), { code: '57014' }),
    );
    expect(refusal).toBeInstanceOf(Unavailable);
    expect(refusal).toMatchObject({
      status: 503,
      code: 'database-timeout',
      extra: { retryAfterSeconds: 2 },
    });
  });

  it('answers a server that refuses connections (nothing listens) as database-unavailable', async () => {
    const error = await poolError(await freePort());
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(databaseRefusal(error)).toMatchObject(outage);
  });

  it('answers a connection the server drops before it answers ("Connection terminated unexpectedly")', async () => {
    const server = await listening((socket) => socket.destroy());
    servers.push(server);
    const error = await poolError(server.port);
    expect(databaseRefusal(error)).toMatchObject(outage);
  });

  it('answers a pool that cannot connect within the connect timeout', async () => {
    const held: Socket[] = [];
    const server = await listening((socket) => held.push(socket));
    servers.push(server);
    const error = await poolError(server.port, 200);
    for (const socket of held) socket.destroy();
    expect((error as Error).message).toBe('Connection terminated due to connection timeout');
    expect(databaseRefusal(error)).toMatchObject(outage);
  });

  it.each([
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['57P01', 'admin_shutdown'],
    ['57P02', 'crash_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['ECONNRESET', 'a reset socket'],
    ['EPIPE', 'a closed socket'],
  ])('answers %s (%s) as database-unavailable', (code) => {
    expect(databaseRefusal(Object.assign(new Error('gone'), { code }))).toMatchObject(outage);
  });

  it.each(['Connection terminated', 'timeout exceeded when trying to connect'])(
    'answers node-postgres saying "%s" as database-unavailable',
    (message) => {
      expect(databaseRefusal(new Error(message))).toMatchObject(outage);
    },
  );

  it('looks inside an AggregateError (every address of a host name refused)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(databaseRefusal(new AggregateError([refused], ''))).toMatchObject(outage);
  });

  it.each(['40001', '40P01'])(
    'answers %s (the transaction lost to a concurrent one) as database-conflict, Retry-After 1',
    (code) => {
      expect(databaseRefusal(Object.assign(new Error('lost'), { code }))).toMatchObject({
        status: 503,
        code: 'database-conflict',
        extra: { retryAfterSeconds: 1 },
      });
    },
  );

  it.runIf(engine === 'postgres')(
    'answers a real deadlock between two transactions as database-conflict',
    async () => {
      const database = await freshDatabase(2);
      const clients = [new pg.Client(database.url), new pg.Client(database.url)];
      try {
        await Promise.all(clients.map((c) => c.connect()));
        const [a, b] = clients as [pg.Client, pg.Client];
        await a.query('CREATE TABLE locks (id int PRIMARY KEY); INSERT INTO locks VALUES (1), (2)');
        await a.query('BEGIN');
        await b.query('BEGIN');
        await a.query('SELECT * FROM locks WHERE id = 1 FOR UPDATE');
        await b.query('SELECT * FROM locks WHERE id = 2 FOR UPDATE');
        // Each waits for the row the other holds: PostgreSQL ends one with 40P01.
        const outcomes = await Promise.allSettled([
          a.query('SELECT * FROM locks WHERE id = 2 FOR UPDATE'),
          b.query('SELECT * FROM locks WHERE id = 1 FOR UPDATE'),
        ]);
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(lost).toHaveLength(1);
        const error: unknown = (lost[0] as PromiseRejectedResult).reason;
        expect(error).toMatchObject({ code: '40P01' });
        expect(databaseRefusal(error)).toMatchObject({ status: 503, code: 'database-conflict' });
      } finally {
        await Promise.all(clients.map((c) => c.end()));
        await database.close();
      }
    },
  );

  it('leaves every other error alone: a constraint violation, a bug, a non-error', () => {
    expect(
      databaseRefusal(Object.assign(new Error('duplicate key'), { code: '23505' })),
    ).toBeUndefined();
    expect(databaseRefusal(Object.assign(new Error('syntax'), { code: '42601' }))).toBeUndefined();
    expect(databaseRefusal(new TypeError('x is undefined'))).toBeUndefined();
    expect(
      databaseRefusal(new Error('Connection terminated by the user, says nobody')),
    ).toBeUndefined();
    expect(databaseRefusal('ECONNREFUSED')).toBeUndefined();
    expect(databaseRefusal(null)).toBeUndefined();
  });
});
