import { describe, expect, it } from 'vitest';

import { startTeekaCli } from '../../../test/helpers/cluster.js';
import { loadConfig } from '../../config.js';

describe('event and worker settings', () => {
  it('takes NATS servers and a prefix, and names the variable of a bad one without echoing a URL', () => {
    const config = loadConfig({
      NATS_URL: 'nats://127.0.0.1:4222,tls://nats.example.in:4222',
      TEEKA_NATS_PREFIX: 'drive-2026',
      TEEKA_SMS_WAIT_MS: '0',
    });
    expect(config.natsUrl).toBe('nats://127.0.0.1:4222,tls://nats.example.in:4222');
    expect(config.natsPrefix).toBe('drive-2026');
    expect(config.sms.waitMs).toBe(0);
    expect(loadConfig({}).natsUrl).toBeUndefined();
    expect(loadConfig({}).natsPrefix).toBe('teeka');
    expect(loadConfig({}).sms.waitMs).toBe(500);
    expect(() => loadConfig({ NATS_URL: 'http://user:secret@nats:4222' })).toThrow(
      'Invalid configuration: NATS_URL=(value hidden) is not valid: expected a comma-separated list of nats://host:port (or tls://host:port) URLs.',
    );
    expect(() => loadConfig({ TEEKA_NATS_PREFIX: 'has.dot' })).toThrow(
      /^Invalid configuration: TEEKA_NATS_PREFIX="has.dot"/,
    );
    expect(() => loadConfig({ TEEKA_SMS_WAIT_MS: '9000' })).toThrow(
      /^Invalid configuration: TEEKA_SMS_WAIT_MS="9000"/,
    );
  });

  it('teeka serve --workers refuses the embedded database and a bad count, with one clear line', async () => {
    const embedded = startTeekaCli(['serve', '--workers', '2'], { NODE_ENV: 'test' });
    expect(await embedded.exited).toBe(1);
    expect(embedded.output().trim()).toBe(
      'Invalid configuration: --workers above 1 needs DATABASE_URL: the embedded database is held by one process.',
    );
    const zero = startTeekaCli(['serve', '--workers', '0'], { NODE_ENV: 'test' });
    expect(await zero.exited).toBe(1);
    expect(zero.output()).toContain('a whole number from 1 to 64');
  }, 60_000);
});
