import { z } from 'zod';

import { ed25519Jwks } from '../../crypto/jwks.js';

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * A masked photo ID as the certificate prints it: at most the last 4 characters shown
 * (CoWIN printed `XXXXXXXX1234`), so a certificate never carries a full ID number.
 */
const maskedIdNumber = z.string().regex(/^X{4,20}[0-9A-Z]{0,4}$/, {
  error: 'a masked number: X characters, then at most 4 shown',
});

/** What dose recording passes to issueCertificate: the facts printed on the certificate. */
export const certificateInput = z
  .strictObject({
    kind: z.enum(['provisional', 'final', 'precaution']),
    beneficiaryReferenceId: z.string().regex(/^[0-9A-Za-z-]{1,40}$/),
    name: text(100),
    yearOfBirth: z.number().int().min(1900).max(2100),
    gender: text(20),
    photoId: z.strictObject({ type: text(60), maskedNumber: maskedIdNumber }),
    vaccine: text(60),
    manufacturer: text(100),
    /** CoWIN batch numbers: letters, digits, / and -. */
    batch: z.string().regex(/^[A-Za-z0-9/-]{1,30}$/),
    dose: z.number().int().min(1).max(10),
    totalDoses: z.number().int().min(1).max(10),
    vaccinatedAt: z.date(),
    centre: z.strictObject({ name: text(200), district: text(100), state: text(100) }),
    vaccinator: text(100),
  })
  .refine(
    (c) =>
      (c.kind === 'provisional' && c.dose < c.totalDoses) ||
      (c.kind === 'final' && c.dose === c.totalDoses) ||
      c.kind === 'precaution',
    { error: 'provisional is for a dose before the last primary dose, final for the last' },
  );

export type CertificateInput = z.input<typeof certificateInput>;

/** The credential exactly as Teeka issues it; verification accepts nothing else. */
export const vaccinationCredential = z.strictObject({
  '@context': z.array(z.string().max(200)).max(5),
  type: z.tuple([z.literal('VerifiableCredential'), z.literal('ProofOfVaccinationCredential')]),
  credentialSubject: z.strictObject({
    type: z.literal('Person'),
    refId: z.string().max(40),
    name: z.string().max(100),
    gender: z.string().max(20),
    age: z.string().max(3),
    yearOfBirth: z.string().max(4),
    photoId: z.strictObject({ idType: z.string().max(60), maskedNumber: z.string().max(24) }),
  }),
  issuer: z.string().max(200),
  issuanceDate: z.string().max(40),
  evidence: z
    .array(
      z.strictObject({
        id: z.string().max(300),
        type: z.tuple([z.literal('Vaccination')]),
        certificateId: z.string().regex(/^[0-9]{1,20}$/),
        certificateKind: z.enum(['provisional', 'final', 'precaution']),
        vaccine: z.string().max(60),
        manufacturer: z.string().max(100),
        batch: z.string().max(30),
        date: z.string().max(40),
        dose: z.number().int(),
        totalDoses: z.number().int(),
        verifier: z.strictObject({ name: z.string().max(100) }),
        facility: z.strictObject({
          name: z.string().max(200),
          address: z.strictObject({
            district: z.string().max(100),
            addressRegion: z.string().max(100),
            addressCountry: z.string().max(2),
          }),
        }),
      }),
    )
    .length(1),
  nonTransferable: z.literal('true'),
  proof: z.strictObject({
    '@context': z.array(z.string().max(200)).max(5).optional(),
    type: z.string().max(40),
    cryptosuite: z.string().max(40),
    created: z.string().max(40),
    verificationMethod: z.string().max(300),
    proofPurpose: z.string().max(40),
    proofValue: z.string().max(120),
  }),
});

export type VaccinationCredential = z.infer<typeof vaccinationCredential>;

export const verifyBody = z.strictObject({
  /** The text a QR scanner reads; QR version 40 holds 4,296 alphanumeric characters at most. */
  qr: z.string().min(1).max(4_296),
});

export const verifyResponse = z.object({
  /** Which format the QR text was: the domestic W3C VC (TK1:), a SMART Health Card or an EU DCC. */
  format: z.enum(['w3c-vc', 'smart-health-card', 'eu-dcc', 'unknown']),
  status: z.enum(['valid', 'invalid', 'revoked']),
  reason: z.string(),
  certificate: z
    .object({
      certificate_id: z.string(),
      name: z.string(),
      dose: z.number().int(),
      total_doses: z.number().int(),
      date: z.string(),
      vaccine: z.string(),
    })
    .optional(),
});

export const revocationsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
});

export const revocationsResponse = z.object({
  issuer: z.string(),
  revoked: z.array(z.object({ certificate_id: z.string(), revoked_at: z.string() })),
  /** Pass as `after` for the next page; absent on the last page. */
  next: z.number().int().optional(),
});

export const didDocumentResponse = z.object({
  '@context': z.array(z.string()),
  id: z.string(),
  verificationMethod: z.array(
    z.object({
      id: z.string(),
      type: z.literal('Multikey'),
      controller: z.string(),
      publicKeyMultibase: z.string(),
    }),
  ),
  assertionMethod: z.array(z.string()),
});

/** Both key sets at /.well-known/jwks.json: each verifier picks its own by kty/crv/alg. */
export const certificateJwks = z.object({
  keys: z.array(
    z.union([
      ed25519Jwks.shape.keys.element,
      z.object({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: z.string(),
        y: z.string(),
        kid: z.string(),
        alg: z.literal('ES256'),
        use: z.literal('sig'),
        /** Present once a card is revoked: the `ctr` of /.well-known/crl/<kid>.json, which grows with each change. */
        crlVersion: z.number().int().positive().optional(),
      }),
    ]),
  ),
});

export const shcCrlParams = z.strictObject({
  /** `<kid>.json`; an SHC kid is a base64url JWK thumbprint. */
  file: z.string().regex(/^[A-Za-z0-9_-]{1,100}\.json$/),
});

/** A SMART Health Card key's Card Revocation List (SHC framework 1.2.0, "Revocation"). */
export const shcRevocationList = z.object({
  kid: z.string(),
  method: z.literal('rid'),
  /** The list's version, the `crlVersion` of its key in the JWKS. */
  ctr: z.number().int().min(0),
  /** The `vc.rid` of every revoked card (no `.timestamp` suffix: a rid names one certificate). */
  rids: z.array(z.string().max(24)),
});

export const dccTrustList = z.object({
  country: z.string(),
  certificates: z.array(
    z.object({
      certificateType: z.enum(['CSCA', 'DSC']),
      country: z.string(),
      /** base64 of the first 8 bytes of SHA-256(DER), as DCC kids and gateway trust lists give it. */
      kid: z.string(),
      /** The certificate, DER, base64. */
      rawData: z.string(),
      pem: z.string(),
      notAfter: z.string(),
    }),
  ),
});
