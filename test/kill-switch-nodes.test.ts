import { randomBytes } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

import { teeka } from './helpers/cli.js';
import { freshDatabase } from './helpers/db.js';
import { freePort, startTeeka, waitForHealth } from './helpers/process.js';
import { bootstrapAdmin, linkToken, totp } from './helpers/staff.js';

/**
 * Two real server processes on one PostgreSQL database and one Redis: the kill switch,
 * thrown through node A's admin API, is enforced by node B within 1 second; thrown back
 * through the CLI, likewise; and partner calls on node B, for every partner API and for one
 * client. (Issue 8's proof; CI's PostgreSQL + Redis run.)
 */
const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const STATES = '/api/v2/admin/location/states';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, string>;
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `url` until it answers `status`; the milliseconds it took. */
async function until(url: string, status: number, limitMs = 10_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if ((await fetch(url)).status === status) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} did not answer ${status} within ${limitMs} ms`);
}

describe.runIf(shared)('the kill switch on two server processes (PostgreSQL + Redis)', () => {
  it('node B refuses within 1 s of a switch through node A, and answers within 1 s of the CLI switching back', async () => {
    const database = await freshDatabase(2);
    cleanup.push(() => database.close());
    const env = {
      NODE_ENV: 'test',
      TEEKA_DEMO_SEED: 'false',
      TEEKA_MASTER_KEY: `nodes:${randomBytes(32).toString('base64')}`,
      DATABASE_URL: database.url ?? '',
      REDIS_URL: process.env.REDIS_URL ?? '',
      TEEKA_REDIS_PREFIX: `test-nodes-${randomBytes(6).toString('hex')}`,
      LOG_LEVEL: 'warn',
      TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
    };
    const [portA, portB] = [await freePort(), await freePort()];
    const a = startTeeka({ ...env, PORT: String(portA) });
    const b = startTeeka({ ...env, PORT: String(portB) });
    cleanup.push(async () => {
      for (const node of [a, b]) {
        node.child.kill('SIGTERM');
        await node.exited;
      }
    });
    const urlA = `http://127.0.0.1:${portA}`;
    const urlB = `http://127.0.0.1:${portB}`;
    await Promise.all([waitForHealth(urlA), waitForHealth(urlB)]);
    expect((await fetch(`${urlB}${STATES}`)).status).toBe(200);

    // A national admin, enrolled and signed in on node A (the next TOTP step: a code counts once).
    const created = await bootstrapAdmin(database.db, { now: () => new Date() }, 'nodes.admin');
    const token = linkToken(created.enrolmentUrl);
    const { totpSecret } = await post(`${urlA}/api/v1/staff/enrolment/start`, { token });
    const enrolledAt = Date.now();
    const password = 'two nodes share one switch';
    const secret = totpSecret ?? '';
    await post(`${urlA}/api/v1/staff/enrolment/complete`, {
      token,
      password,
      code: totp(secret, { now: () => new Date(enrolledAt) }),
    });
    const login = await post(`${urlA}/api/v1/staff/auth/login`, {
      username: 'nodes.admin',
      password,
      code: totp(secret, { now: () => new Date(enrolledAt + 30_000) }),
      mode: 'bearer',
    });

    const off = await fetch(`${urlA}/api/v1/admin/kill-switch`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token ?? ''}` },
      body: JSON.stringify({ target: 'public', killSwitch: 'on', reason: 'two-node drill' }),
    });
    expect(off.status, await off.clone().text()).toBe(200);
    const refusedAfter = await until(`${urlB}${STATES}`, 503);
    expect(refusedAfter).toBeLessThan(1000);
    const refusal = (await (await fetch(`${urlB}${STATES}`)).json()) as Record<string, unknown>;
    expect(refusal).toMatchObject({ code: 'api-switched-off', surface: 'public' });
    // Staff on node B are not affected.
    expect((await fetch(`${urlB}/healthz`)).status).toBe(200);

    const on = await teeka(env, 'kill-switch', 'off', '--public', '--reason', 'drill over');
    expect(on.code, on.output).toBe(0);
    const answeredAfter = await until(`${urlB}${STATES}`, 200);
    expect(answeredAfter).toBeLessThan(1000);
    expect((await fetch(`${urlA}${STATES}`)).status).toBe(200);

    // Partner calls: a client registered on node A, its token and calls on node B.
    const staffHeaders = { authorization: `Bearer ${login.token ?? ''}` };
    const client = await post(
      `${urlA}/api/v1/admin/partners/clients`,
      {
        name: 'Two-node drill app',
        purpose: 'Checks certificates at a border post',
        contact: 'security@drill.example',
        scopes: ['certificate:verify'],
        allow_list: ['127.0.0.0/8'],
        per_minute: 10_000,
        per_day: 100_000,
      },
      staffHeaders,
    );
    const clientId = client.client_id ?? '';
    const basic = Buffer.from(`${clientId}:${client.client_secret ?? ''}`).toString('base64');
    const { access_token: partnerToken } = await post(
      `${urlB}/api/v1/partners/token`,
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${basic}` },
    );
    const partnerCall = async () =>
      (
        await fetch(`${urlB}/api/v1/partners/certificates/verify`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${partnerToken ?? ''}`,
          },
          body: JSON.stringify({ qr: 'TK1:not-a-certificate' }),
        })
      ).status;
    const untilPartner = async (status: number) => {
      const started = performance.now();
      while (performance.now() - started < 10_000) {
        if ((await partnerCall()) === status) return performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`the partner call did not answer ${status} within 10 s`);
    };
    expect(await partnerCall()).toBe(200);

    const switchThrough = (target: string, killSwitch: 'on' | 'off') =>
      fetch(`${urlA}/api/v1/admin/kill-switch`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...staffHeaders },
        body: JSON.stringify({ target, killSwitch, reason: 'two-node partner drill' }),
      });
    expect((await switchThrough('all-partners', 'on')).status).toBe(200);
    const partnersRefusedAfter = await untilPartner(503);
    expect(partnersRefusedAfter).toBeLessThan(1000);
    // Public search on node B is not a partner API: it still answers.
    expect((await fetch(`${urlB}${STATES}`)).status).toBe(200);
    expect((await switchThrough('all-partners', 'off')).status).toBe(200);
    expect(await untilPartner(200)).toBeLessThan(1000);

    // One client, through the CLI.
    const oneOff = await teeka(env, 'kill-switch', 'on', '--client', clientId, '--reason', 'drill');
    expect(oneOff.code, oneOff.output).toBe(0);
    const clientRefusedAfter = await untilPartner(503);
    expect(clientRefusedAfter).toBeLessThan(1000);
    console.info(
      `kill switch across processes: B refused ${refusedAfter.toFixed(0)} ms after A's answer, answered ${answeredAfter.toFixed(0)} ms after the CLI's; partner calls refused ${partnersRefusedAfter.toFixed(0)} ms (all partners) and ${clientRefusedAfter.toFixed(0)} ms (one client) after the switch`,
    );
  }, 120_000);
});
