import { z } from 'zod';

/** Indian mobile numbers: 10 digits starting 6-9 (no +91, no spaces), as CoWIN took them. */
export const generateOtpBody = z.strictObject({
  mobile: z.string().regex(/^[6-9][0-9]{9}$/, { error: '10 digits, starting with 6, 7, 8 or 9' }),
});
export const generateOtpResponse = z.object({ txnId: z.uuid() });

export const confirmOtpBody = z.strictObject({
  otp: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { error: 'the SHA-256 hex digest of the 6-digit OTP' }),
  txnId: z.uuid(),
});
export const confirmOtpResponse = z.object({ token: z.string() });
