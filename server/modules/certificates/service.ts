import { decryptField, encryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Invalid, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { AuditActor, AuditService, RequestContext } from '../audit/service.js';
import type { IssuerKeys } from './issuer-keys.js';
import { decodeQrText, encodeQrText } from './qr.js';
import {
  type CertificateInput,
  certificateInput,
  type VaccinationCredential,
  vaccinationCredential,
} from './schemas.js';
import { CERTIFICATE_ID_BLOCK, type CertificateStore } from './store.js';
import type { CertificateKind } from './tables.js';
import { addProof, publicKeyMultibase, verifyProof } from './vc.js';

export const CREDENTIAL_PURPOSE = 'certificate-credential';
export const CREDENTIALS_V1 = 'https://www.w3.org/2018/credentials/v1';
/** VC 1.1 does not define DataIntegrityProof; Data Integrity 1.0 asks for this context then. */
export const DATA_INTEGRITY_V2 = 'https://w3id.org/security/data-integrity/v2';
const REVOCATIONS_PAGE = 1_000;

export interface Certificate {
  certificateId: string;
  beneficiaryReferenceId: string;
  kind: CertificateKind;
  dose: number;
  issuedAt: Date;
  revoked: boolean;
  /** The signed W3C Verifiable Credential. */
  credential: VaccinationCredential;
  /** What the QR code carries (see qr.ts). */
  qrText: string;
}

export type Verification =
  | { status: 'valid'; reason: 'signature-valid'; certificate: VerifiedFacts }
  | { status: 'revoked'; reason: 'revoked-by-issuer' }
  | {
      status: 'invalid';
      reason:
        | 'not-a-teeka-certificate'
        | 'malformed'
        | 'unknown-issuer'
        | 'malformed-proof'
        | 'unknown-key'
        | 'bad-signature';
    };

interface VerifiedFacts {
  certificate_id: string;
  name: string;
  dose: number;
  total_doses: number;
  date: string;
  vaccine: string;
}

/** Who caused an issue or revocation, for the audit record (dose recording passes the vaccinator). */
export interface IssuedBy {
  actor: AuditActor;
  context?: RequestContext;
}

const SYSTEM: IssuedBy = { actor: { type: 'system', id: 'certificates' } };

/** A dose's date as India's calendar shows it, the day the PDF prints (YYYY-MM-DD). */
const indianDate = (iso: string) =>
  new Date(iso).toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' });

/** The issuer's identity: a did:web on the host that serves /.well-known/did.json. */
export function issuerIdentity(host: string) {
  return {
    did: `did:web:${host.replace(':', '%3A')}`,
    origin: `https://${host}`,
    vaccinationContext: `https://${host}/credentials/vaccination/v1`,
  };
}

export function createCertificateService({
  store,
  audit,
  clock,
  keys,
  issuerKeys,
  issuerHost,
}: {
  store: CertificateStore;
  audit: AuditService;
  clock: Clock;
  keys: KeyRing;
  issuerKeys: IssuerKeys;
  issuerHost: string;
}) {
  const identity = issuerIdentity(issuerHost);
  // Ids are taken from a per-node block; a block is never handed out twice, rolled-back
  // issues leave gaps, as sequences do.
  let ids = { next: 0, end: 0 };
  async function nextCertificateId(tx: Db): Promise<string> {
    if (ids.next >= ids.end) {
      const first = await store.certificateIdBlock(tx);
      ids = { next: first, end: first + CERTIFICATE_ID_BLOCK };
    }
    return String(ids.next++);
  }

  function toCertificate(row: {
    certificate_id: string;
    beneficiary_reference_id: string;
    kind: CertificateKind;
    dose: number;
    issued_at: Date;
    credential: string;
    revoked_at?: Date | null;
  }): Certificate {
    const credential = JSON.parse(
      decryptField(keys, CREDENTIAL_PURPOSE, row.credential),
    ) as VaccinationCredential;
    return {
      certificateId: row.certificate_id,
      beneficiaryReferenceId: row.beneficiary_reference_id,
      kind: row.kind,
      dose: row.dose,
      issuedAt: row.issued_at,
      revoked: Boolean(row.revoked_at),
      credential,
      qrText: encodeQrText(credential),
    };
  }

  return {
    identity,

    /**
     * Signs, stores and audits a certificate inside the caller's transaction (the one that
     * records the dose), so a dose never exists without its certificate or the reverse.
     */
    async issueCertificate(
      tx: Db,
      input: CertificateInput,
      by: IssuedBy = SYSTEM,
    ): Promise<Certificate> {
      const parsed = certificateInput.safeParse(input);
      if (!parsed.success) {
        throw new Invalid(
          'The certificate facts are not valid.',
          'invalid-certificate-input',
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      }
      const facts = parsed.data;
      const now = clock.now();
      const key = await issuerKeys.current(tx);
      const certificateId = await nextCertificateId(tx);
      const vaccinationYear = facts.vaccinatedAt.getUTCFullYear();
      const unsigned = {
        '@context': [CREDENTIALS_V1, identity.vaccinationContext, DATA_INTEGRITY_V2],
        type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
        credentialSubject: {
          type: 'Person',
          refId: facts.beneficiaryReferenceId,
          name: facts.name,
          gender: facts.gender,
          age: String(Math.max(0, vaccinationYear - facts.yearOfBirth)),
          yearOfBirth: String(facts.yearOfBirth),
          photoId: { idType: facts.photoId.type, maskedNumber: facts.photoId.maskedNumber },
        },
        issuer: identity.did,
        issuanceDate: now.toISOString(),
        evidence: [
          {
            id: `${identity.origin}/vaccine/${certificateId}`,
            type: ['Vaccination'],
            certificateId,
            certificateKind: facts.kind,
            vaccine: facts.vaccine,
            manufacturer: facts.manufacturer,
            batch: facts.batch,
            date: facts.vaccinatedAt.toISOString(),
            dose: facts.dose,
            totalDoses: facts.totalDoses,
            verifier: { name: facts.vaccinator },
            facility: {
              name: facts.centre.name,
              address: {
                district: facts.centre.district,
                addressRegion: facts.centre.state,
                addressCountry: 'IN',
              },
            },
          },
        ],
        nonTransferable: 'true',
      };
      const credential = addProof(unsigned, {
        verificationMethod: key.verificationMethod,
        created: now.toISOString(),
        privateKey: key.privateKey,
      }) as VaccinationCredential;
      await store.insertCertificate(tx, {
        certificate_id: certificateId,
        beneficiary_reference_id: facts.beneficiaryReferenceId,
        kind: facts.kind,
        dose: facts.dose,
        key_generation: key.generation,
        credential: encryptField(keys, CREDENTIAL_PURPOSE, JSON.stringify(credential)),
        issued_at: now,
      });
      await audit.record(
        tx,
        {
          actor: by.actor,
          action: 'certificate.issue',
          subject: { type: 'beneficiary', id: facts.beneficiaryReferenceId },
          outcome: 'allowed',
          details: {
            certificate_id: certificateId,
            kind: facts.kind,
            dose: facts.dose,
            key_id: key.kid,
          },
        },
        by.context,
      );
      return {
        certificateId,
        beneficiaryReferenceId: facts.beneficiaryReferenceId,
        kind: facts.kind,
        dose: facts.dose,
        issuedAt: now,
        revoked: false,
        credential,
        qrText: encodeQrText(credential),
      };
    },

    /** Revokes a certificate (after a correction, or one issued in error); revoking twice is a no-op. */
    async revokeCertificate(
      tx: Db,
      certificateId: string,
      reason: string,
      by: IssuedBy = SYSTEM,
    ): Promise<void> {
      const certificate = await store.certificate(tx, certificateId);
      if (!certificate) throw new NotFound('There is no such certificate.', 'unknown-certificate');
      const revoked = await store.insertRevocation(tx, {
        certificate_id: certificateId,
        reason: reason.slice(0, 200),
        revoked_at: clock.now(),
      });
      await audit.record(
        tx,
        {
          actor: by.actor,
          action: 'certificate.revoke',
          subject: { type: 'beneficiary', id: certificate.beneficiary_reference_id },
          outcome: 'allowed',
          reason: reason.slice(0, 200),
          details: { certificate_id: certificateId, already_revoked: !revoked },
        },
        by.context,
      );
    },

    /** A certificate by id, whoever holds it: for consumers that get only the id. */
    async getCertificate(db: Db, certificateId: string): Promise<Certificate | undefined> {
      const row = await store.certificate(db, certificateId);
      return row ? toCertificate(row) : undefined;
    },

    /**
     * The beneficiary's current certificate: the newest one not revoked. The caller must
     * already have proven that the requester may see this beneficiary (citizen token).
     */
    async getCertificateForBeneficiary(
      tx: Db,
      beneficiaryReferenceId: string,
    ): Promise<Certificate | undefined> {
      const rows = await store.certificatesFor(tx, beneficiaryReferenceId);
      const current = rows.find((row) => !row.revoked_at);
      return current ? toCertificate(current) : undefined;
    },

    /**
     * A correction: issues a certificate with the corrected person facts and the same
     * evidence (vaccine, batch, date, dose, centre, vaccinator) as `certificateId`, then
     * revokes that one as "corrected", both in the caller's transaction.
     */
    async reissueWithCorrection(
      tx: Db,
      certificateId: string,
      person: Pick<CertificateInput, 'name' | 'yearOfBirth' | 'gender' | 'photoId'>,
      by: IssuedBy = SYSTEM,
    ): Promise<Certificate> {
      const row = await store.certificate(tx, certificateId);
      if (!row) throw new NotFound('There is no such certificate.', 'unknown-certificate');
      const old = toCertificate(row).credential;
      const [evidence] = old.evidence;
      if (!evidence) throw new NotFound('There is no such certificate.', 'unknown-certificate');
      const reissued = await this.issueCertificate(
        tx,
        {
          kind: evidence.certificateKind,
          beneficiaryReferenceId: row.beneficiary_reference_id,
          ...person,
          vaccine: evidence.vaccine,
          manufacturer: evidence.manufacturer,
          batch: evidence.batch,
          dose: evidence.dose,
          totalDoses: evidence.totalDoses,
          vaccinatedAt: new Date(evidence.date),
          centre: {
            name: evidence.facility.name,
            district: evidence.facility.address.district,
            state: evidence.facility.address.addressRegion,
          },
          vaccinator: evidence.verifier.name,
        },
        by,
      );
      await this.revokeCertificate(tx, certificateId, 'corrected', by);
      return reissued;
    },

    /** Checks what a QR code says, offline from the database except for keys and revocation. */
    async verify(db: Db, qrText: string): Promise<Verification> {
      const decoded = decodeQrText(qrText);
      if (!decoded.ok) return { status: 'invalid', reason: decoded.reason };
      const parsed = vaccinationCredential.safeParse(decoded.document);
      if (!parsed.success) return { status: 'invalid', reason: 'malformed' };
      const credential = parsed.data;
      if (credential.issuer !== identity.did)
        return { status: 'invalid', reason: 'unknown-issuer' };
      const key = await issuerKeys.publicKey(db, credential.proof.verificationMethod);
      const check = verifyProof(credential, key);
      if (!check.ok) return { status: 'invalid', reason: check.reason };
      const [evidence] = credential.evidence;
      if (!evidence) return { status: 'invalid', reason: 'malformed' };
      if (await store.revocation(db, evidence.certificateId)) {
        return { status: 'revoked', reason: 'revoked-by-issuer' };
      }
      return {
        status: 'valid',
        reason: 'signature-valid',
        certificate: {
          certificate_id: evidence.certificateId,
          name: credential.credentialSubject.name,
          dose: evidence.dose,
          total_doses: evidence.totalDoses,
          date: indianDate(evidence.date),
          vaccine: evidence.vaccine,
        },
      };
    },

    /** The published revocation list, paged by a cursor. */
    async revocations(db: Db, after: number) {
      const rows = await store.revocations(db, after, REVOCATIONS_PAGE);
      const last = rows.at(-1);
      return {
        issuer: identity.did,
        revoked: rows.map((r) => ({
          certificate_id: r.certificate_id,
          revoked_at: r.revoked_at.toISOString(),
        })),
        ...(rows.length === REVOCATIONS_PAGE && last ? { next: last.seq } : {}),
      };
    },

    async jwks(db: Db) {
      const published = await issuerKeys.published(db);
      return {
        keys: published.map((k) => ({
          kty: 'OKP' as const,
          crv: 'Ed25519' as const,
          x: k.raw.toString('base64url'),
          kid: k.kid,
          alg: 'EdDSA' as const,
          use: 'sig' as const,
        })),
      };
    },

    /** The did:web document: every key generation as a Multikey verification method. */
    async didDocument(db: Db) {
      const published = await issuerKeys.published(db);
      return {
        '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
        id: identity.did,
        verificationMethod: published.map((k) => ({
          id: k.verificationMethod,
          type: 'Multikey' as const,
          controller: identity.did,
          publicKeyMultibase: publicKeyMultibase(k.raw),
        })),
        assertionMethod: published.map((k) => k.verificationMethod),
      };
    },
  };
}

export type CertificateService = ReturnType<typeof createCertificateService>;
