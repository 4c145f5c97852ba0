import { z } from 'zod';

import { cidrProblem } from './cidr.js';
import { APP_SCOPES, CONSENT_SCOPES, SCOPES } from './scopes.js';

/** Printable text on one line: no control or bidi-override characters (they are shown to people). */
const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]*$/, {
      error: 'printable characters on one line',
    });

export const QUOTA_LIMITS = { perMinute: 10_000, perDay: 1_000_000 } as const;

export const scope = z.enum(SCOPES, { error: `one of ${SCOPES.join(', ')}` });

/** A partner's allow-list has at least one entry; an app's may be empty (used from phones). */
const allowList = (min: 0 | 1) =>
  z
    .array(z.string().max(64))
    .min(min)
    .max(50)
    .superRefine((entries, ctx) => {
      entries.forEach((entry, index) => {
        const problem = cidrProblem(entry);
        if (problem) ctx.addIssue({ code: 'custom', path: [index], message: problem });
      });
    });

const quotas = {
  per_minute: z.number().int().min(1).max(QUOTA_LIMITS.perMinute),
  per_day: z.number().int().min(1).max(QUOTA_LIMITS.perDay),
};

const registration = {
  name: text(2, 100),
  purpose: text(10, 500),
  contact: z.email().max(200),
  ...quotas,
};
const quotaOrder = {
  check: (b: { per_day: number; per_minute: number }) => b.per_day >= b.per_minute,
  params: { path: ['per_day'], message: 'per_day must be at least per_minute' },
};
const distinct = {
  check: (b: { scopes: string[] }) => new Set(b.scopes).size === b.scopes.length,
  params: { path: ['scopes'], message: 'a scope is listed twice' },
};

export const newClientBody = z
  .strictObject({
    ...registration,
    scopes: z
      .array(scope)
      .min(1)
      .max(SCOPES.length)
      .refine((scopes) => !scopes.includes('citizen:self-service'), {
        message: 'citizen:self-service is for registered apps (POST .../partners/apps)',
      }),
    allow_list: allowList(1),
  })
  .refine(quotaOrder.check, quotaOrder.params)
  .refine(distinct.check, distinct.params);
export type NewClient = z.infer<typeof newClientBody>;

/** A registered app: an API key instead of a secret, app scopes only, an optional allow-list. */
export const newAppBody = z
  .strictObject({
    ...registration,
    scopes: z
      .array(z.enum(APP_SCOPES, { error: `one of ${APP_SCOPES.join(', ')}` }))
      .min(1)
      .max(APP_SCOPES.length),
    allow_list: allowList(0).default([]),
  })
  .refine(quotaOrder.check, quotaOrder.params)
  .refine(distinct.check, distinct.params);
export type NewApp = z.infer<typeof newAppBody>;

export const clientView = z.object({
  client_id: z.string(),
  kind: z.enum(['partner', 'app']),
  name: z.string(),
  purpose: z.string(),
  contact: z.string(),
  scopes: z.array(scope),
  allow_list: z.array(z.string()),
  per_minute: z.number().int(),
  per_day: z.number().int(),
  status: z.enum(['active', 'suspended', 'revoked']),
  status_reason: z.string().nullable(),
  app_key: z
    .object({
      key_id: z.string().describe('The public part of the key, named in audit records'),
      created_at: z.string(),
      rotated_at: z.string().nullable(),
      revoked_at: z.string().nullable(),
    })
    .nullable()
    .describe('An app’s API key, never the key itself; null for partners'),
  created_at: z.string(),
  updated_at: z.string(),
});
export const createdApp = clientView.extend({
  api_key: z.string().describe('Shown once: Teeka keeps only a keyed hash of it.'),
});
export const createdClient = clientView.extend({
  client_secret: z.string().describe('Shown once: Teeka keeps only a keyed hash of it.'),
});
export const clientList = z.object({ clients: z.array(clientView) });
export const clientParams = z.strictObject({
  clientId: z.string().regex(/^pc_[A-Za-z0-9_-]{16}$/, { error: 'a partner client id' }),
});
export const reasonBody = z.strictObject({ reason: text(3, 200) });
export const alertList = z.object({
  alerts: z.array(
    z.object({
      alert_id: z.number().int(),
      client_id: z.string(),
      client_name: z.string(),
      kind: z.literal('enumeration'),
      details: z.record(z.string(), z.union([z.string(), z.number()])),
      raised_at: z.string(),
      resolved_at: z.string().nullable(),
    }),
  ),
});

/** RFC 6749 §4.4.2; the client may authenticate in the body (§2.3.1) instead of Basic. */
export const tokenBody = z.strictObject({
  grant_type: z.string().max(100),
  scope: z.string().max(500).optional(),
  client_id: z.string().max(100).optional(),
  client_secret: z.string().max(200).optional(),
});
export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  scope: z.string(),
});

const mobile = z
  .string()
  .regex(/^[6-9][0-9]{9}$/, { error: '10 digits, starting with 6, 7, 8 or 9' });
const beneficiaryRef = z
  .string()
  .regex(/^\d{14}$/, { error: 'a 14-digit beneficiary reference id' });

export const consentRequestBody = z.strictObject({
  mobile,
  beneficiary_reference_id: beneficiaryRef,
  scope: z.enum(CONSENT_SCOPES, { error: `one of ${CONSENT_SCOPES.join(', ')}` }),
  // The purpose goes into an SMS under Teeka's name: no links in it (phishing).
  purpose: text(10, 120).refine((p) => !/:\/\/|www\.|\.(com|in|org|net|ly)\b/i.test(p), {
    message: 'no links or web addresses',
  }),
  valid_for_minutes: z.number().int().min(1).max(1440).default(60),
  uses: z.number().int().min(1).max(10).default(1),
});
export type ConsentRequest = z.infer<typeof consentRequestBody>;
export const consentRequestResponse = z.object({
  request_id: z.uuid(),
  otp_expires_at: z.string(),
});

export const consentCompleteBody = z.strictObject({
  request_id: z.uuid(),
  otp: z.string().regex(/^\d{6}$/, { error: 'the 6 digits the person received' }),
});
export const consentArtefact = z.object({
  consent_id: z.uuid(),
  beneficiary_reference_id: z.string(),
  partner: z.string(),
  scope: z.enum(CONSENT_SCOPES),
  purpose: z.string(),
  expires_at: z.string(),
  uses_left: z.number().int(),
});

export const consentedReadBody = z.strictObject({
  consent_id: z.uuid(),
  beneficiary_reference_id: beneficiaryRef,
});
export const vaccinationStatusResponse = z.object({
  status: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  name: z.string().nullable(),
});

export const citizenConsentList = z.object({
  consents: z.array(
    z.object({
      consent_id: z.string(),
      beneficiary_reference_id: z.string(),
      partner: z.string(),
      scope: z.enum(CONSENT_SCOPES),
      purpose: z.string(),
      created_at: z.string(),
      expires_at: z.string(),
      uses_left: z.number().int(),
      status: z.enum(['active', 'expired', 'revoked', 'used-up']),
    }),
  ),
});
export const consentParams = z.strictObject({ consentId: z.uuid() });
