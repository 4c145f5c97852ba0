import { z } from 'zod';

import type { SwitchedOff } from './board.js';
import { parseTarget, PARTNER_SCOPES, SURFACES } from './targets.js';

export const targetSchema = z
  .string()
  .max(80)
  .transform((name, ctx) => {
    const target = parseTarget(name);
    if (target) return target;
    ctx.addIssue({
      code: 'custom',
      message: `an unknown target: all-partners, public, citizen, client:<client id> or scope:<${PARTNER_SCOPES.join('|')}>`,
    });
    return z.NEVER;
  });

export const changeBody = z.strictObject({
  target: targetSchema,
  /** "on" engages the kill switch: the target's calls are refused. "off" lets them through again. */
  killSwitch: z.enum(['on', 'off']),
  reason: z
    .string()
    .trim()
    .min(3)
    .max(500)
    .regex(/^[^\p{Cc}]+$/u, { error: 'text without control characters' }),
});

const switchedOffView = z.object({
  target: z.string(),
  surface: z.enum(SURFACES),
  reason: z.string(),
  since: z.string(),
  by: z.object({ type: z.enum(['staff', 'system']), id: z.string().nullable() }),
});

export const statusResponse = z.object({
  /** The state's version in the database. */
  version: z.number().int(),
  /** What the answering node enforces now: equal to `version` once it has caught up. */
  node: z.object({
    version: z.number().int(),
    sync: z.enum(['in-process', 'database-poll', 'redis']),
  }),
  switchedOff: z.array(switchedOffView),
});

export const changeResponse = statusResponse.extend({ changed: z.boolean() });

export function switchedOffJson(off: SwitchedOff): z.infer<typeof switchedOffView> {
  return {
    target: off.name,
    surface: off.surface,
    reason: off.reason,
    since: off.since.toISOString(),
    by: off.by,
  };
}
