import { proofInput } from '../../../server/modules/certificates/proof-input.js';
import { HC1_PREFIX, SHC_PREFIX } from '../../../server/modules/certificates/qr-format.js';
import { vaccinationCredential } from '../../../server/modules/certificates/schemas.js';
import type { Verification } from '../../../server/modules/certificates/service.js';
import type { TrustedIssuer } from './issuer';
import { decodeQrText } from './qr-text';
import type { RevocationList } from './revocations';

/** Domestic (W3C VC, `TK1:`), SMART Health Card (`shc:/` or a file) or EU DCC (`HC1:`). */
export type CertificateFormat = 'w3c-vc' | 'smart-health-card' | 'eu-dcc';

export type InvalidReason =
  | Extract<Verification, { status: 'invalid' }>['reason']
  | 'unsupported-compression'
  | 'unsupported-algorithm'
  | 'expired'
  | 'not-yet-valid'
  | 'several-cards';

/** Which revocation list names a certificate, and by which id. */
export type RevocationLookup =
  /** The domestic list (GET /api/v1/certificates/revocations), by certificate id: TK1: and EU DCC. */
  | { list: 'domestic'; id: string }
  /** The revocation list of the key that signed a SMART Health Card, by the card's `rid`. */
  | { list: 'shc'; kid: string; id: string };

/** What the verified payload says, and only that (a format leaves out what it does not carry). */
export interface CertificateFacts {
  format: CertificateFormat;
  /** Undefined for a SMART Health Card: its `rid` is the id under the issuer's secret key. */
  certificateId: string | undefined;
  revocation: RevocationLookup;
  name: string;
  /** A year ("1990") or a full date, as signed. */
  birthDate: string;
  /** Undefined for a SMART Health Card, whose data-minimised profile carries no dose numbers. */
  dose: { n: number; of: number } | undefined;
  /** ISO date or date-time of the dose, as signed. */
  date: string;
  vaccine: string;
}

/** What the page shows. Valid and revoked say how fresh the revocation answer is. */
export type Outcome =
  | { status: 'valid'; facts: CertificateFacts; revocations: RevocationList | undefined }
  | { status: 'revoked'; facts: CertificateFacts; revocations: RevocationList }
  | { status: 'invalid'; reason: InvalidReason; format: CertificateFormat | undefined };

/** The signature check of a certificate, with nothing but the issuer's published keys. */
export type SignatureCheck =
  | { ok: true; facts: CertificateFacts }
  | {
      ok: false;
      reason: InvalidReason;
      format: CertificateFormat | undefined;
      verificationMethod?: string;
    };

/**
 * True for the text of a SMART Health Card (`shc:/`, or a `.smart-health-card` file's JSON)
 * or an EU DCC (`HC1:`): what the lazily loaded international checks read.
 */
export function isInternational(text: string): boolean {
  const trimmed = text.trim();
  return (
    trimmed.startsWith(SHC_PREFIX) || trimmed.startsWith(HC1_PREFIX) || trimmed.startsWith('{')
  );
}

const sha256 = async (text: string) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

/**
 * The same steps, in the same order, as verify in server/modules/certificates/service.ts:
 * decode the QR text, accept only the credential shape Teeka issues, the issuer's own DID,
 * a key it published, and an Ed25519 signature over sha256(proof config) || sha256(document).
 */
export async function checkSignature(
  qrText: string,
  issuer: TrustedIssuer,
): Promise<SignatureCheck> {
  const decoded = await decodeQrText(qrText);
  if (!decoded.ok) {
    const format = decoded.reason === 'not-a-teeka-certificate' ? undefined : 'w3c-vc';
    return { ok: false, format, reason: decoded.reason };
  }
  const format = 'w3c-vc';
  const parsed = vaccinationCredential.safeParse(decoded.document);
  if (!parsed.success) return { ok: false, format, reason: 'malformed' };
  const credential = parsed.data;
  if (credential.issuer !== issuer.did) return { ok: false, format, reason: 'unknown-issuer' };
  const input = proofInput(credential);
  if (!input.ok) return { ok: false, format, reason: input.reason };
  const key = issuer.keys.get(input.verificationMethod);
  if (!key) {
    return {
      ok: false,
      format,
      reason: 'unknown-key',
      verificationMethod: input.verificationMethod,
    };
  }
  const signed = new Uint8Array(64);
  signed.set(await sha256(input.proofConfig), 0);
  signed.set(await sha256(input.document), 32);
  const valid = await crypto.subtle.verify(
    { name: 'Ed25519' },
    key,
    input.signature.slice(),
    signed,
  );
  if (!valid) return { ok: false, format, reason: 'bad-signature' };
  const [evidence] = credential.evidence;
  if (!evidence) return { ok: false, format, reason: 'malformed' };
  return {
    ok: true,
    facts: {
      format,
      certificateId: evidence.certificateId,
      revocation: { list: 'domestic', id: evidence.certificateId },
      name: credential.credentialSubject.name,
      birthDate: credential.credentialSubject.yearOfBirth,
      dose: { n: evidence.dose, of: evidence.totalDoses },
      date: evidence.date,
      vaccine: evidence.vaccine,
    },
  };
}

export function withRevocations(
  check: SignatureCheck,
  revocations: RevocationList | undefined,
): Outcome {
  if (!check.ok) return { status: 'invalid', reason: check.reason, format: check.format };
  if (revocations?.ids.has(check.facts.revocation.id)) {
    return { status: 'revoked', facts: check.facts, revocations };
  }
  return { status: 'valid', facts: check.facts, revocations };
}
