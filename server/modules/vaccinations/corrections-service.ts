import { randomUUID } from 'node:crypto';

import { decryptField, encryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { Conflict, Invalid, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { RecordedMetrics } from '../../platform/metrics.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import { normalizePhotoId, photoIdProblem } from '../beneficiaries/photo-id.js';
import type { BeneficiaryCorrection, BeneficiaryService } from '../beneficiaries/service.js';
import type { CertificateService } from '../certificates/service.js';
import type { Citizen } from '../citizen-auth/guard.js';
import { type Access, staffActor, type StaffPrincipal } from '../staff/access.js';
import { rebandDoses } from './age-band-backfill.js';
import { CORRECTION_DECIDERS, type Decide, maskName } from './common.js';
import { certificateIssued, type VaccinationOutbox } from './events.js';
import { CORRECTABLE, type CorrectionInput } from './schemas.js';
import type { VaccinationStore } from './store.js';

const CHANGES_PURPOSE = 'correction-changes';
const REASON_PURPOSE = 'correction-reason';

const notFound = () => new NotFound('There is no such correction request.', 'correction-not-found');
const maskedId = (masked: string) => masked.replace(/^X+/, (xs) => '*'.repeat(xs.length));

/**
 * Corrections of a vaccinated person's facts: the citizen asks, the district admin of the
 * centre of the latest dose decides; approval corrects the record, issues a corrected
 * certificate (its `certificate.issued` event with it) and revokes the old one, all in one
 * transaction.
 */
export function createCorrectionService({
  db,
  decide,
  store,
  audit,
  clock,
  access,
  keys,
  beneficiaries,
  certificates,
  requireStepUp,
  outbox,
  recorded,
}: {
  db: Db;
  decide: Decide;
  store: VaccinationStore;
  audit: AuditService;
  clock: Clock;
  access: Access;
  keys: KeyRing;
  beneficiaries: BeneficiaryService;
  certificates: CertificateService;
  requireStepUp: (staff: StaffPrincipal, action: string) => void;
  outbox: VaccinationOutbox;
  recorded: Pick<RecordedMetrics, 'certificates'>;
}) {
  const changesOf = (row: { changes_enc: string }) =>
    JSON.parse(decryptField(keys, CHANGES_PURPOSE, row.changes_enc)) as BeneficiaryCorrection;

  /** The pending request, locked, if the caller decides for its centre's district. */
  async function pendingFor(tx: Db, staff: StaffPrincipal, requestId: string, action: string) {
    const row = await store.lockCorrection(tx, requestId);
    if (!row) throw notFound();
    await access.require(tx, staff, {
      roles: CORRECTION_DECIDERS,
      within: { centerId: row.center_id },
      action,
    });
    if (row.status !== 'pending') {
      throw new Conflict('This request has already been decided.', 'correction-decided');
    }
    return row;
  }

  return {
    async request(citizen: Citizen, input: CorrectionInput, ctx: RequestContext) {
      const action = 'vaccination.correction.request';
      const subject = { type: 'beneficiary', id: input.beneficiary_reference_id };
      const actor = { type: 'citizen' as const, id: citizen.mobileRef };
      return decide({ actor, action, subject }, async (tx) => {
        await beneficiaries.requireOwned(tx, citizen, [input.beneficiary_reference_id]);
        const latest = await store.latestDose(tx, input.beneficiary_reference_id);
        if (!latest) {
          throw new Conflict(
            'Only a vaccinated beneficiary’s certificate can be corrected; edit the registration instead.',
            'not-vaccinated',
          );
        }
        const { beneficiary_reference_id: _id, reason, ...changes } = input;
        if (changes.photo_id_number !== undefined) {
          const [current] = await beneficiaries.onSite(tx, [input.beneficiary_reference_id]);
          const type = changes.photo_id_type ?? current?.photoIdType ?? 0;
          const problem = photoIdProblem(type, normalizePhotoId(changes.photo_id_number));
          if (problem) {
            throw new Invalid(`photo_id_number must be ${problem}.`, 'invalid-photo-id', [
              { path: 'body.photo_id_number', message: problem },
            ]);
          }
        }
        const fields = CORRECTABLE.filter((f) => changes[f] !== undefined);
        const requestId = randomUUID();
        await store.insertCorrection(tx, {
          request_id: requestId,
          beneficiary_reference_id: input.beneficiary_reference_id,
          mobile_ref: citizen.mobileRef,
          fields: fields.join(','),
          changes_enc: encryptField(keys, CHANGES_PURPOSE, JSON.stringify(changes)),
          reason_enc: encryptField(keys, REASON_PURPOSE, reason),
          center_id: latest.center_id,
          district_id: latest.district_id,
          status: 'pending',
          created_at: clock.now(),
        });
        await audit.record(
          tx,
          {
            actor,
            action,
            subject,
            outcome: 'allowed',
            details: { request_id: requestId, fields: fields.join(',') },
          },
          ctx,
        );
        return { request_id: requestId, status: 'pending' as const };
      });
    },

    /** The citizen's own requests and how they were decided (read by the citizen only). */
    async mine(citizen: Citizen) {
      const rows = await store.correctionsOf(db, citizen.mobileRef);
      return {
        requests: rows.map((r) => ({
          request_id: r.request_id,
          beneficiary_reference_id: r.beneficiary_reference_id,
          fields: r.fields.split(','),
          status: r.status,
          requested_at: r.created_at.toISOString(),
          decided_at: r.decided_at?.toISOString() ?? null,
          new_certificate_id: r.new_certificate_id,
          decision_reason: r.decision_reason_enc
            ? decryptField(keys, REASON_PURPOSE, r.decision_reason_enc)
            : null,
        })),
      };
    },

    /** Pending requests of a district, masked, each read audited against its beneficiary. */
    async pending(staff: StaffPrincipal, districtId: number, ctx: RequestContext) {
      const action = 'vaccination.correction.list';
      return decide({ actor: staffActor(staff), action }, async (tx) => {
        await access.require(tx, staff, {
          roles: CORRECTION_DECIDERS,
          within: { districtId },
          action,
        });
        const rows = await store.pendingIn(tx, districtId);
        // The request holds a gender id; it is shown by name, as the current gender is.
        const genderNames = new Map(
          (await beneficiaries.genders(tx)).genders.map((g) => [g.id, g.gender]),
        );
        const people = new Map(
          (
            await beneficiaries.onSite(
              tx,
              rows.map((r) => r.beneficiary_reference_id),
            )
          ).map((p) => [p.referenceId, p]),
        );
        for (const row of rows) {
          await audit.record(
            tx,
            {
              actor: staffActor(staff),
              action,
              subject: { type: 'beneficiary', id: row.beneficiary_reference_id },
              outcome: 'allowed',
              details: { request_id: row.request_id },
            },
            ctx,
          );
        }
        return {
          requests: rows.map((row) => {
            const person = people.get(row.beneficiary_reference_id);
            const changes = changesOf(row);
            const photo = changes.photo_id_number
              ? normalizePhotoId(changes.photo_id_number)
              : undefined;
            return {
              request_id: row.request_id,
              beneficiary_reference_id: row.beneficiary_reference_id,
              center_id: row.center_id,
              fields: row.fields.split(','),
              current: person
                ? {
                    name: maskName(person.name),
                    birth_year: person.birthYear,
                    gender: person.gender,
                    photo_id: maskedId(person.maskedPhotoId),
                  }
                : {},
              requested: {
                ...(changes.name === undefined ? {} : { name: maskName(changes.name) }),
                ...(changes.birth_year === undefined ? {} : { birth_year: changes.birth_year }),
                ...(changes.gender_id === undefined
                  ? {}
                  : { gender: genderNames.get(changes.gender_id) ?? String(changes.gender_id) }),
                ...(photo === undefined
                  ? {}
                  : { photo_id: '*'.repeat(Math.max(4, photo.length - 4)) + photo.slice(-4) }),
              },
              requested_at: row.created_at.toISOString(),
            };
          }),
        };
      });
    },

    /**
     * Approves (step-up required): corrects the beneficiary by the registration rules,
     * reissues their current certificate with the corrected facts and the same evidence,
     * revokes the old one as "corrected".
     */
    async approve(staff: StaffPrincipal, requestId: string, ctx: RequestContext) {
      const action = 'vaccination.correction.approve';
      const approved = await decide(
        { actor: staffActor(staff), action, details: { request_id: requestId } },
        async (tx) => {
          const row = await pendingFor(tx, staff, requestId, action);
          requireStepUp(staff, action);
          const id = row.beneficiary_reference_id;
          await beneficiaries.correct(tx, id, changesOf(row));
          const [person] = await beneficiaries.onSite(tx, [id]);
          if (person && changesOf(row).birth_year !== undefined) {
            await rebandDoses(tx, id, person.birthYear);
          }
          const current = await certificates.getCertificateForBeneficiary(tx, id);
          if (!person || !current) {
            throw new Conflict('This beneficiary has no certificate to correct.', 'no-certificate');
          }
          const by = { actor: staffActor(staff), context: ctx };
          const reissued = await certificates.reissueWithCorrection(
            tx,
            current.certificateId,
            {
              name: person.name,
              yearOfBirth: person.birthYear,
              gender: person.gender,
              photoId: { type: person.photoIdTypeName, maskedNumber: person.maskedPhotoId },
            },
            by,
          );
          await store.decideCorrection(tx, requestId, {
            status: 'approved',
            decided_at: clock.now(),
            decided_by: staff.id,
            new_certificate_id: reissued.certificateId,
            decision_reason_enc: null,
          });
          await audit.record(
            tx,
            {
              actor: staffActor(staff),
              action,
              subject: { type: 'beneficiary', id },
              outcome: 'allowed',
              details: {
                request_id: requestId,
                fields: row.fields,
                new_certificate_id: reissued.certificateId,
                revoked_certificate_id: current.certificateId,
              },
            },
            ctx,
          );
          await certificateIssued(outbox, tx, {
            certificate_id: reissued.certificateId,
            beneficiary_reference_id: id,
            reason: 'correction',
            replaces: current.certificateId,
          });
          return {
            request_id: requestId,
            status: 'approved' as const,
            new_certificate_id: reissued.certificateId,
            revoked_certificate_id: current.certificateId,
          };
        },
      );
      recorded.certificates.inc({ reason: 'correction' });
      return approved;
    },

    async reject(
      staff: StaffPrincipal,
      requestId: string,
      reason: string | undefined,
      ctx: RequestContext,
    ) {
      const action = 'vaccination.correction.reject';
      return decide(
        { actor: staffActor(staff), action, details: { request_id: requestId } },
        async (tx) => {
          const row = await pendingFor(tx, staff, requestId, action);
          await store.decideCorrection(tx, requestId, {
            status: 'rejected',
            decided_at: clock.now(),
            decided_by: staff.id,
            new_certificate_id: null,
            decision_reason_enc:
              reason === undefined ? null : encryptField(keys, REASON_PURPOSE, reason),
          });
          await audit.record(
            tx,
            {
              actor: staffActor(staff),
              action,
              subject: { type: 'beneficiary', id: row.beneficiary_reference_id },
              outcome: 'allowed',
              // The reason is the admin's own words about a person: kept out of the trail.
              details: { request_id: requestId, with_reason: reason !== undefined },
            },
            ctx,
          );
          return {
            request_id: requestId,
            status: 'rejected' as const,
            new_certificate_id: null,
            revoked_certificate_id: null,
          };
        },
      );
    },
  };
}

export type CorrectionService = ReturnType<typeof createCorrectionService>;
