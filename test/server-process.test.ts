import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { freePort, startTeeka, waitForHealth } from './helpers/process.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the server process', () => {
  it('starts on an embedded database with the demo world, says where, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'teeka-proc-'));
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const teeka = startTeeka({ PORT: String(port), TEEKA_DATA_DIR: dataDir });
    await waitForHealth(url);

    const states: unknown = await (await fetch(`${url}/api/v2/admin/location/states`)).json();
    expect(states).toMatchObject({
      ttl: 24,
      states: expect.arrayContaining([{ state_id: 1, state_name: 'Andaman and Nicobar Islands' }]),
    });
    expect(teeka.output()).toContain(`Teeka is serving ${url}`);
    expect(teeka.output()).toContain(`the OTP SMS is written to ${dataDir}/sms-outbox.jsonl`);
    expect(teeka.output()).toContain('npx teeka staff create-admin');

    // A second Teeka on the same data directory must refuse, not corrupt it.
    const intruder = startTeeka({ PORT: String(await freePort()), TEEKA_DATA_DIR: dataDir });
    expect(await intruder.exited).toBe(1);
    expect(intruder.output()).toContain('is in use by another running Teeka');

    teeka.child.kill('SIGTERM');
    expect(await teeka.exited).toBe(0);
    expect(teeka.output()).toContain('SIGTERM received');
  }, 90_000);

  it('refuses to start on a bad setting with one clear line', async () => {
    const teeka = startTeeka({ PORT: 'eighty' });
    expect(await teeka.exited).toBe(1);
    expect(teeka.output().trim()).toBe(
      'Invalid configuration: PORT="eighty" is not valid: expected a port number from 0 to 65535.',
    );
  }, 30_000);
});
