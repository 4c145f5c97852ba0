import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { App } from '../../server/http/app.js';
import type { Clock } from '../../server/platform/clock.js';
import { type TestApp, testApp } from './app.js';

/** A temporary TEEKA_SMS_OUTBOX file: the app appends every SMS to it, tests read OTPs back. */
export async function smsOutbox() {
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-sms-'));
  const file = path.join(dir, 'outbox.jsonl');
  return {
    file,
    async messages(): Promise<{ to: string; text: string; at: string }[]> {
      const text = await readFile(file, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { to: string; text: string; at: string });
    },
    /**
     * The OTP in the latest message to `mobile`. Through JetStream the SMS consumer runs
     * after the request has answered, so the first message is waited for (at most 5 s).
     */
    async lastOtp(mobile: string): Promise<string> {
      const toMobile = async () => (await this.messages()).filter((m) => m.to === mobile);
      for (let i = 0; i < 100 && (await toMobile()).length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const last = (await toMobile()).at(-1);
      // The six digits after the word OTP: a partner's name before it may hold digits too.
      const otp = /\bOTP\D*?(\d{6})\b/.exec(last?.text ?? '')?.[1];
      if (!otp) throw new Error('no OTP in the outbox for this mobile');
      return otp;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
export type SmsOutbox = Awaited<ReturnType<typeof smsOutbox>>;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function generateOtp(app: App, mobile: string, ip = '127.0.0.1') {
  return app.inject({
    method: 'POST',
    url: '/api/v2/auth/public/generateOTP',
    payload: { mobile },
    remoteAddress: ip,
  });
}

export async function confirmOtp(app: App, txnId: string, otp: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v2/auth/public/confirmOTP',
    payload: { otp: sha256(otp), txnId },
  });
}

/** Logs in over HTTP as a CoWIN client would; returns the bearer token. */
export async function login(app: App, outbox: SmsOutbox, mobile: string): Promise<string> {
  const sent = await generateOtp(app, mobile);
  if (sent.statusCode !== 200) throw new Error(`generateOTP answered ${sent.statusCode}`);
  const { txnId } = sent.json<{ txnId: string }>();
  const confirmed = await confirmOtp(app, txnId, await outbox.lastOtp(mobile));
  if (confirmed.statusCode !== 200) throw new Error(`confirmOTP answered ${confirmed.statusCode}`);
  return confirmed.json<{ token: string }>().token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Valid Aadhaar numbers (Verhoeff check digit) that belong to nobody: made up for tests. */
export const AADHAAR = [
  '234567890124',
  '987654321012',
  '499118665246',
  '312345678909',
  '567812345678',
  '678912345675',
  '789123456789',
  '891234567891',
];

export type CitizenTestApp = TestApp & { outbox: SmsOutbox };

/**
 * The real app with an SMS outbox of its own. Every inject comes from 127.0.0.1, so the
 * per-address OTP cap is lifted; the tests of that cap set their own.
 */
export async function citizenTestApp(
  env: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<CitizenTestApp> {
  const outbox = await smsOutbox();
  const t = await testApp(
    { TEEKA_SMS_OUTBOX: outbox.file, TEEKA_OTP_PER_IP: '1000', ...env },
    options,
  );
  return {
    ...t,
    outbox,
    async close() {
      await t.close();
      await outbox.remove();
    },
  };
}

/** Distinct valid mobile numbers, so that the per-mobile limits of one test touch no other. */
export function mobileSequence(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${String(10_000 + n++).padStart(5, '0')}`;
}
