import { proofInput } from '../../../server/modules/certificates/proof-input.js';
import { vaccinationCredential } from '../../../server/modules/certificates/schemas.js';
import type { Verification } from '../../../server/modules/certificates/service.js';
import type { TrustedIssuer } from './issuer';
import { decodeQrText } from './qr-text';
import type { RevocationList } from './revocations';

export type InvalidReason = Extract<Verification, { status: 'invalid' }>['reason'];

export interface CertificateFacts {
  certificateId: string;
  name: string;
  dose: number;
  totalDoses: number;
  /** ISO date-time of the dose, as signed. */
  date: string;
  vaccine: string;
}

/** What the page shows. Valid and revoked say how fresh the revocation answer is. */
export type Outcome =
  | { status: 'valid'; facts: CertificateFacts; revocations: RevocationList | undefined }
  | { status: 'revoked'; facts: CertificateFacts; revocations: RevocationList }
  | { status: 'invalid'; reason: InvalidReason };

/** The signature check of a certificate, with nothing but the issuer's published keys. */
export type SignatureCheck =
  | { ok: true; facts: CertificateFacts }
  | { ok: false; reason: InvalidReason; verificationMethod?: string };

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
  if (!decoded.ok) return { ok: false, reason: decoded.reason };
  const parsed = vaccinationCredential.safeParse(decoded.document);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const credential = parsed.data;
  if (credential.issuer !== issuer.did) return { ok: false, reason: 'unknown-issuer' };
  const input = proofInput(credential);
  if (!input.ok) return { ok: false, reason: input.reason };
  const key = issuer.keys.get(input.verificationMethod);
  if (!key) {
    return { ok: false, reason: 'unknown-key', verificationMethod: input.verificationMethod };
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
  if (!valid) return { ok: false, reason: 'bad-signature' };
  const [evidence] = credential.evidence;
  if (!evidence) return { ok: false, reason: 'malformed' };
  return {
    ok: true,
    facts: {
      certificateId: evidence.certificateId,
      name: credential.credentialSubject.name,
      dose: evidence.dose,
      totalDoses: evidence.totalDoses,
      date: evidence.date,
      vaccine: evidence.vaccine,
    },
  };
}

export function withRevocations(
  check: SignatureCheck,
  revocations: RevocationList | undefined,
): Outcome {
  if (!check.ok) return { status: 'invalid', reason: check.reason };
  if (revocations?.ids.has(check.facts.certificateId)) {
    return { status: 'revoked', facts: check.facts, revocations };
  }
  return { status: 'valid', facts: check.facts, revocations };
}
