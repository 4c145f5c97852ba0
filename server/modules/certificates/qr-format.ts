/**
 * What the QR code carries: `TK1:` + base45(raw DEFLATE(credential JSON)). Base45 uses only
 * the QR alphanumeric alphabet, so the code stores 5.5 bits a character instead of 8 (the
 * EU Digital COVID Certificate made the same choice). The prefix names the format and its
 * version, so a QR that is not ours is told apart from a damaged one. No Node API here:
 * the web verifier decodes with the same constants.
 */
export const QR_PREFIX = 'TK1:';
/** The prefixes of the international formats (SMART Health Card, EU DCC), for telling formats apart. */
export const SHC_PREFIX = 'shc:/';
export const HC1_PREFIX = 'HC1:';
/** Larger than any credential we issue; bounds what a hostile QR can make a verifier inflate. */
export const MAX_CREDENTIAL_BYTES = 16_384;

export type QrDecoded =
  { ok: true; document: unknown } | { ok: false; reason: 'not-a-teeka-certificate' | 'malformed' };
