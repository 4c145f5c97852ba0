import { blindIndex, encryptField, type KeyRing } from '../../crypto/keys.js';

/**
 * A citizen is known by a mobile reference: a keyed blind index of the number. It is the
 * account key, the token subject and the audit actor id, so the number itself appears only
 * encrypted at rest.
 */
export function mobileRef(keys: KeyRing, mobile: string): string {
  return blindIndex(keys, 'mobile', mobile);
}

export const MOBILE_PURPOSE = 'citizen-mobile';

export function encryptMobile(keys: KeyRing, mobile: string): string {
  return encryptField(keys, MOBILE_PURPOSE, mobile);
}
