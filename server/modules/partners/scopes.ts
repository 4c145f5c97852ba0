/**
 * What a partner client may be allowed to do. Scopes ending in "-consented" (and
 * certificate:consented) reach one person's data, and only through a live consent.
 */
export const SCOPES = [
  'availability:read',
  'certificate:verify',
  'vaccination-status:consented',
  'certificate:consented',
  'appointment:book-consented',
  'reports:aggregate',
  'citizen:self-service',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What a registered app (x-api-key) may be granted: public availability, and acting for a
 * citizen who logged in through the app with their own OTP (CoWIN's protected API v2).
 * citizen:self-service is for apps only: a partner never holds a citizen's session.
 */
export const APP_SCOPES = [
  'availability:read',
  'citizen:self-service',
] as const satisfies readonly Scope[];
export type AppScope = (typeof APP_SCOPES)[number];

/**
 * Scopes a person can consent to today: each names the data the partner then reads.
 * appointment:book-consented can be granted to a client, but booking for a person is not
 * built yet, so no consent for it is taken (it would be a consent that nothing can use).
 */
export const CONSENT_SCOPES = [
  'vaccination-status:consented',
  'certificate:consented',
] as const satisfies readonly Scope[];
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

/** How the SMS to the person describes what they are agreeing to. */
export const CONSENT_WORDING: Record<ConsentScope, string> = {
  'vaccination-status:consented': 'see whether you are vaccinated and your name',
  'certificate:consented': 'get a copy of your vaccination certificate',
};
