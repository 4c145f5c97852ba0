import { decryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Conflict } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import {
  certificateIdOfUvci,
  type DccDecoded,
  decodeDcc,
  HC1_PREFIX,
  hcertPayload,
  signDcc,
  uvci,
  verifyDccSignature,
} from './dcc.js';
import { ddccVaccinationStatus, KNOWN_VACCINES, vaccineCodesFor } from './ddcc.js';
import { dccKid, type FormatKeys } from './format-keys.js';
import type { VaccinationCredential } from './schemas.js';
import { type Certificate, type CertificateService, CREDENTIAL_PURPOSE } from './service.js';
import {
  decodeShc,
  MAX_SINGLE_QR_JWS,
  SHC_PREFIX,
  shcPayload,
  shcQrText,
  signShc,
  verifyShcSignature,
} from './shc.js';
import type { ShcRevocations } from './shc-revocations.js';
import type { CertificateStore } from './store.js';

const DAY_S = 86_400;
/** How long an EU DCC is valid from its signing (capped by the signer certificate's own end). */
const DCC_VALIDITY_DAYS = 365;
/** Clock skew allowed between the signer and the verifier. */
const SKEW_S = 300;

export type CertificateFormat = 'w3c-vc' | 'smart-health-card' | 'eu-dcc' | 'unknown';

export interface VerifiedFacts {
  certificate_id: string;
  name: string;
  dose: number;
  total_doses: number;
  date: string;
  vaccine: string;
}

export type AnyVerification = { format: CertificateFormat } & (
  | { status: 'valid'; reason: 'signature-valid'; certificate: VerifiedFacts }
  | { status: 'revoked'; reason: 'revoked-by-issuer' }
  | { status: 'invalid'; reason: string }
);

/**
 * The international formats of a certificate (SMART Health Card, EU DCC), signed on demand
 * from the stored credential, and their verification. Both carry the WHO DDCC:VS data set.
 */
export function createInternationalCertificates({
  formatKeys,
  shcRevocations,
  store,
  keys,
  clock,
  issuerHost,
}: {
  formatKeys: FormatKeys;
  shcRevocations: ShcRevocations;
  store: CertificateStore;
  keys: KeyRing;
  clock: Clock;
  issuerHost: string;
}) {
  const origin = `https://${issuerHost}`;
  const issuerName = `Teeka ${issuerHost}`;
  const { ridOf, certificateIdOfRid } = shcRevocations;

  function statusOf(certificate: Certificate) {
    const status = ddccVaccinationStatus(certificate, issuerName);
    if (!status) {
      throw new Conflict(
        'This vaccine has no international codes, so no international certificate can be issued.',
        'no-international-codes',
      );
    }
    return status;
  }

  async function storedCredential(db: Db, certificateId: string) {
    const row = await store.certificate(db, certificateId);
    if (!row) return undefined;
    return JSON.parse(
      decryptField(keys, CREDENTIAL_PURPOSE, row.credential),
    ) as VaccinationCredential;
  }

  const invalid = (format: CertificateFormat, reason: string): AnyVerification => ({
    format,
    status: 'invalid',
    reason,
  });

  async function verifyShc(db: Db, text: string): Promise<AnyVerification> {
    const format = 'smart-health-card';
    const decoded = decodeShc(text);
    if (!decoded.ok) return invalid(format, decoded.reason);
    const { payload } = decoded;
    if (payload.iss !== origin) return invalid(format, 'unknown-issuer');
    const key = await formatKeys.byKid(db, 'shc', decoded.kid);
    if (!key) return invalid(format, 'unknown-key');
    if (!verifyShcSignature(decoded, key.publicKey)) return invalid(format, 'bad-signature');
    if (payload.nbf > clock.now().getTime() / 1000 + SKEW_S)
      return invalid(format, 'not-yet-valid');
    const certificateId = payload.vc.rid ? certificateIdOfRid(payload.vc.rid) : undefined;
    if (!certificateId) return invalid(format, 'malformed');
    if (await store.revocation(db, certificateId)) {
      return { format, status: 'revoked', reason: 'revoked-by-issuer' };
    }
    // The card carries no dose numbers (the SHC data-minimisation profile leaves them out):
    // they come from the certificate the card was made from.
    const [event] = (await storedCredential(db, certificateId))?.evidence ?? [];
    if (!event) return invalid(format, 'unknown-certificate');
    const [patientEntry, immunizationEntry] = payload.vc.credentialSubject.fhirBundle.entry;
    const [name] = patientEntry.resource.name;
    return {
      format,
      status: 'valid',
      reason: 'signature-valid',
      certificate: {
        certificate_id: certificateId,
        name: [...(name?.given ?? []), name?.family ?? ''].join(' '),
        dose: event.dose,
        total_doses: event.totalDoses,
        date: immunizationEntry.resource.occurrenceDateTime,
        vaccine: event.vaccine,
      },
    };
  }

  async function verifyDcc(db: Db, text: string): Promise<AnyVerification> {
    const format = 'eu-dcc';
    const decoded: DccDecoded = decodeDcc(text);
    if (!decoded.ok) return invalid(format, decoded.reason);
    // Trust comes from the signer certificate the kid names: one not in our list is another
    // issuer's (or nobody's), whatever its signature.
    const key = await formatKeys.byKid(db, 'dcc', decoded.kid);
    if (!key) return invalid(format, 'unknown-issuer');
    if (!verifyDccSignature(decoded, key.publicKey)) return invalid(format, 'bad-signature');
    const now = Math.floor(clock.now().getTime() / 1000);
    if (decoded.exp < now) return invalid(format, 'expired');
    if (decoded.iat > now + SKEW_S) return invalid(format, 'not-yet-valid');
    const [entry] = decoded.hcert.v;
    const certificateId = entry ? certificateIdOfUvci(entry.ci) : undefined;
    if (!entry || !certificateId) return invalid(format, 'malformed');
    if (await store.revocation(db, certificateId)) {
      return { format, status: 'revoked', reason: 'revoked-by-issuer' };
    }
    const vaccine = KNOWN_VACCINES.find((code) => vaccineCodesFor(code)?.eu?.mp === entry.mp);
    const { nam } = decoded.hcert;
    return {
      format,
      status: 'valid',
      reason: 'signature-valid',
      certificate: {
        certificate_id: certificateId,
        name: [nam.gn, nam.fn ?? nam.fnt].filter(Boolean).join(' '),
        dose: entry.dn,
        total_doses: entry.sd,
        date: entry.dt,
        vaccine: vaccine ?? entry.mp,
      },
    };
  }

  return {
    /** The certificate as a SMART Health Card: its compact JWS and the `shc:/` QR text. */
    async smartHealthCard(tx: Db, certificate: Certificate) {
      const status = statusOf(certificate);
      const key = await formatKeys.current(tx, 'shc');
      const payload = shcPayload(status, {
        iss: origin,
        nbf: Math.floor(certificate.issuedAt.getTime() / 1000),
        rid: ridOf(certificate.certificateId),
      });
      const jws = signShc(payload, key);
      if (jws.length > MAX_SINGLE_QR_JWS) {
        throw new Conflict(
          'This certificate does not fit one SMART Health Card QR code.',
          'shc-too-large',
        );
      }
      return { jws, qrText: shcQrText(jws) };
    },

    /** The certificate as an EU DCC (`HC1:` text), valid a year from now within its signer's validity. */
    async euDcc(tx: Db, certificate: Certificate) {
      const status = statusOf(certificate);
      const hcert = hcertPayload(status, issuerName);
      if ('problem' in hcert) {
        throw new Conflict(
          hcert.problem === 'no-eu-vaccine-code'
            ? 'This vaccine is not in the EU vaccine value sets, so no EU DCC can be issued.'
            : 'The name has no Latin-script form, which an EU DCC requires.',
          hcert.problem === 'no-eu-vaccine-code'
            ? 'dcc-vaccine-not-listed'
            : 'dcc-needs-latin-name',
        );
      }
      const key = await formatKeys.current(tx, 'dcc');
      const iat = Math.floor(clock.now().getTime() / 1000);
      const signerEnd = Math.floor((key.notAfter?.getTime() ?? 0) / 1000);
      const exp = Math.min(iat + DCC_VALIDITY_DAYS * DAY_S, signerEnd);
      if (!key.certificate || exp <= iat) {
        throw new Conflict(
          'The EU DCC signer certificate has expired; rotate it.',
          'dcc-signer-expired',
        );
      }
      const qrText = signDcc(
        hcert.payload,
        { iat, exp },
        { kid: dccKid(key.certificate), privateKey: key.privateKey },
      );
      return { qrText, uvci: uvci(certificate.certificateId), expiresAt: new Date(exp * 1000) };
    },

    /** Verifies a QR text in any format Teeka issues, and says which format it was. */
    async verifyAny(db: Db, text: string, domestic: CertificateService): Promise<AnyVerification> {
      const trimmed = text.trim();
      if (trimmed.startsWith(SHC_PREFIX)) return verifyShc(db, trimmed);
      if (trimmed.startsWith(HC1_PREFIX)) return verifyDcc(db, trimmed);
      const result = await domestic.verify(db, trimmed);
      return {
        ...result,
        format: result.reason === 'not-a-teeka-certificate' ? 'unknown' : 'w3c-vc',
      };
    },

    /**
     * The SMART Health Card issuer keys as EC JWKs (ES256), every generation; once anything is
     * revoked, each carries the `crlVersion` of its revocation list (shc-revocations.ts).
     */
    async jwks(db: Db) {
      const crlVersion = await shcRevocations.version(db);
      return (await formatKeys.published(db, 'shc')).map((k) => ({
        ...k.jwk,
        kid: k.kid,
        alg: 'ES256' as const,
        use: 'sig' as const,
        ...(crlVersion > 0 ? { crlVersion } : {}),
      }));
    },

    /** The CSCA and every DCC signer certificate, for national backends and trust lists. */
    async trustList(db: Db) {
      const entry =
        (type: 'CSCA' | 'DSC') => (k: Awaited<ReturnType<FormatKeys['published']>>[number]) => {
          const der = k.certificate ?? Buffer.alloc(0);
          return {
            certificateType: type,
            country: 'IN',
            kid: k.kid,
            rawData: der.toString('base64'),
            pem: `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').trimEnd()}\n-----END CERTIFICATE-----\n`,
            notAfter: k.notAfter?.toISOString() ?? '',
          };
        };
      return {
        country: 'IN',
        certificates: [
          ...(await formatKeys.published(db, 'csca')).map(entry('CSCA')),
          ...(await formatKeys.published(db, 'dcc')).map(entry('DSC')),
        ],
      };
    },
  };
}

export type InternationalCertificates = ReturnType<typeof createInternationalCertificates>;
