import type { Generated } from 'kysely';

export type CertificateKind = 'provisional' | 'final' | 'precaution';

export interface CertificateTables extends CertificateFormatKeyTables {
  certificate_keys: {
    generation: number;
    kid: string;
    /** Raw 32-byte Ed25519 public key, base64url. */
    public_key: string;
    /** PKCS#8 DER private key, base64url, then encryptField('certificate-signing-key'). */
    private_key: string;
    created_at: Date;
  };
  certificates: {
    certificate_id: string;
    beneficiary_reference_id: string;
    kind: CertificateKind;
    dose: number;
    key_generation: number;
    /** The signed credential as JSON, then encryptField('certificate-credential'). */
    credential: string;
    issued_at: Date;
  };
  /** A certificate's rendered CoWIN PDF (migration 0120): written once, served thereafter. */
  certificate_pdfs: {
    certificate_id: string;
    pdf: Buffer;
    rendered_at: Date;
  };
  certificate_revocations: {
    seq: Generated<number>;
    certificate_id: string;
    reason: string;
    revoked_at: Date;
  };
}

export type KeySeries = 'shc' | 'dcc' | 'csca';

export interface CertificateFormatKeyTables {
  certificate_format_keys: {
    format: KeySeries;
    generation: number;
    kid: string;
    /** SubjectPublicKeyInfo DER, base64url. */
    public_key: string;
    /** PKCS#8 DER private key, base64url, then encryptField('certificate-format-signing-key'). */
    private_key: string;
    /** X.509 certificate DER, base64url (DCC signers and the CSCA); null for SHC keys. */
    certificate: string | null;
    created_at: Date;
  };
}
