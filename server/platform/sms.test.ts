import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../config.js';
import { createSms, SmsDeliveryError } from './sms.js';

const log = pino({ level: 'silent' });

let received: { headers: IncomingMessage['headers']; body: string }[] = [];
let status = 200;
const gateway = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    received.push({ headers: request.headers, body });
    response.writeHead(status).end();
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`;
});
afterAll(async () => {
  await new Promise((resolve) => gateway.close(resolve));
});

describe('SMS delivery', () => {
  it('posts to the configured gateway with the configured credential', async () => {
    received = [];
    status = 202;
    const config = loadConfig({
      NODE_ENV: 'production',
      TEEKA_SMS_GATEWAY_URL: url,
      TEEKA_SMS_GATEWAY_TOKEN: 'gateway-secret-1',
    });
    const sms = createSms(config, log);
    expect(sms.mode).toBe('gateway');
    await sms.send('9876543210', 'hello', new Date());
    expect(received).toHaveLength(1);
    expect(received[0]?.headers.authorization).toBe('Bearer gateway-secret-1');
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ to: '9876543210', text: 'hello' });
  });

  it('reports a refusing gateway as a delivery error', async () => {
    status = 500;
    const sms = createSms(
      loadConfig({ TEEKA_SMS_GATEWAY_URL: url, TEEKA_SMS_GATEWAY_TOKEN: 'gateway-secret-1' }),
      log,
    );
    await expect(sms.send('9876543210', 'hello', new Date())).rejects.toThrow(SmsDeliveryError);
  });

  it('refuses development modes in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', TEEKA_SMS_OUTBOX: '/tmp/x' })).toThrow(
      /TEEKA_SMS_OUTBOX .* refuses to run with NODE_ENV=production/,
    );
    expect(() => createSms(loadConfig({ NODE_ENV: 'production' }), log)).toThrow(ConfigError);
    expect(() => loadConfig({ TEEKA_SMS_GATEWAY_URL: url })).toThrow(/must be set together/);
    // Development writes to the data directory's outbox by default; without one, SMS are only noted.
    expect(createSms(loadConfig({}), log).mode).toBe('outbox');
    expect(createSms(loadConfig({ NODE_ENV: 'test' }), log).mode).toBe('log');
    expect(createSms(loadConfig({ TEEKA_SMS_OUTBOX: '/tmp/x' }), log).mode).toBe('outbox');
  });

  it('never echoes the gateway credential in a configuration error', () => {
    expect(() =>
      loadConfig({ TEEKA_SMS_GATEWAY_URL: 'ftp://secret@x', TEEKA_SMS_GATEWAY_TOKEN: 'abc' }),
    ).toThrow(/value hidden/);
  });
});
