import { z } from 'zod';

/** The most records one page of the trail holds. */
export const TRAIL_PAGE_MAX = 200;
export const TRAIL_PAGE_DEFAULT = 50;

const recordId = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, { error: 'a record id from 1 to 999999999999999' })
  .transform(Number);
const instant = z.iso
  .datetime({ offset: true, error: 'an ISO 8601 date and time with offset' })
  .refine(
    (text) => {
      const year = new Date(text).getUTCFullYear();
      return year >= 2000 && year <= 9999;
    },
    { error: 'a date and time from the year 2000 to 9999 (UTC)' },
  );

/** GET /api/v1/audit/records: a page of the trail, newest first, every filter optional. */
export const trailQuery = z
  .strictObject({
    /** The cursor: only records with a smaller id (the `next` of the previous page). */
    before: recordId.optional(),
    limit: z
      .string()
      .regex(/^[1-9]\d{0,2}$/, { error: `a page size from 1 to ${TRAIL_PAGE_MAX}` })
      .transform(Number)
      .pipe(z.number().max(TRAIL_PAGE_MAX, { error: `at most ${TRAIL_PAGE_MAX} records a page` }))
      .optional(),
    /** Records at or after this instant. */
    from: instant.optional(),
    /** Records before this instant. */
    to: instant.optional(),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9._-]{0,79}$/, { error: 'an action name such as staff.login' })
      .optional(),
    /** A staff member's id: the records they caused. */
    actor: z.uuid({ error: 'a staff id (UUID)' }).optional(),
    subject_type: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, { error: 'a subject type such as beneficiary' })
      .optional(),
    subject_id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, { error: 'a subject id of letters, digits and ._:-' })
      .optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    error: '`from` must be before `to`',
    path: ['to'],
  });
export type TrailQuery = z.infer<typeof trailQuery>;

/**
 * One record exactly as it is hashed into the tree (docs/audit.md): a reader can recompute
 * its leaf hash. Records hold pseudonymous references only (staff ids, keyed mobile
 * references, beneficiary reference ids), never a mobile or photo ID number.
 */
export const trailRecord = z.object({
  id: z.number().int(),
  /** UTC with microseconds, as hashed. */
  at: z.string(),
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  actor_role: z.string().nullable(),
  actor_org: z.string().nullable(),
  jurisdiction: z.string().nullable(),
  action: z.string(),
  subject_type: z.string().nullable(),
  subject_id: z.string().nullable(),
  outcome: z.string(),
  reason: z.string().nullable(),
  request_id: z.string().nullable(),
  client_ip: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type TrailRecord = z.infer<typeof trailRecord>;

export const trailResponse = z.object({
  records: z.array(trailRecord),
  /** The `before` of the next page, or null on the last page. */
  next: z.number().int().nullable(),
});
