import { appendFile } from 'node:fs/promises';

import type { FastifyBaseLogger } from 'fastify';

import { type Config, ConfigError } from '../config.js';

/**
 * SMS delivery behind one small interface.
 *
 * - `gateway`: HTTP POST `{"to","text"}` to TEEKA_SMS_GATEWAY_URL with the configured
 *   credential as a Bearer token. The only mode production accepts.
 * - `outbox`: development and tests: each message is appended to TEEKA_SMS_OUTBOX as one
 *   JSON line `{"to","text","at"}`, where a newcomer or a test reads the OTP.
 * - `log`: development without an outbox: the log notes that a message was not delivered.
 *   The text itself is never logged, because it holds an OTP (SECURITY.md, "Never").
 */
export interface Sms {
  mode: 'gateway' | 'outbox' | 'log';
  send(to: string, text: string, at: Date): Promise<void>;
}

export class SmsDeliveryError extends Error {
  override name = 'SmsDeliveryError';
}

const GATEWAY_TIMEOUT_MS = 5_000;

/** The last 4 digits only: enough to tell messages apart in a development log. */
const masked = (mobile: string) => `XXXXXX${mobile.slice(-4)}`;

export function createSms(config: Pick<Config, 'production' | 'sms'>, log: FastifyBaseLogger): Sms {
  const { outbox, gatewayUrl, gatewayToken } = config.sms;
  if (gatewayUrl && gatewayToken) {
    return {
      mode: 'gateway',
      async send(to, text) {
        let response: Response;
        try {
          response = await fetch(gatewayUrl, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${gatewayToken}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ to, text }),
            signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS),
          });
        } catch {
          throw new SmsDeliveryError('The SMS gateway did not answer.');
        }
        if (!response.ok) {
          throw new SmsDeliveryError(`The SMS gateway refused the message (${response.status}).`);
        }
      },
    };
  }
  // Checked here as well as in loadConfig, so that no caller can build a development
  // sender for a production configuration.
  if (config.production) {
    throw new ConfigError(
      'Invalid configuration: production needs an SMS gateway: set TEEKA_SMS_GATEWAY_URL and TEEKA_SMS_GATEWAY_TOKEN.',
    );
  }
  if (outbox) {
    return {
      mode: 'outbox',
      async send(to, text, at) {
        await appendFile(outbox, `${JSON.stringify({ to, text, at: at.toISOString() })}\n`, {
          mode: 0o600,
        });
        log.info({ sms: { to: masked(to) } }, 'SMS written to the development outbox');
      },
    };
  }
  return {
    mode: 'log',
    send(to) {
      log.info(
        { sms: { to: masked(to) } },
        'SMS not delivered (development): set TEEKA_SMS_OUTBOX=<file> to read messages',
      );
      return Promise.resolve();
    },
  };
}
