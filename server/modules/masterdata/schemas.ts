import { z } from 'zod';

export const statesResponse = z.object({
  states: z.array(z.object({ state_id: z.number().int(), state_name: z.string() })),
  ttl: z.number().int(),
});

export const districtsParams = z.strictObject({
  state_id: z.coerce.number().int().min(1).max(999_999),
});

export const districtsResponse = z.object({
  districts: z.array(z.object({ district_id: z.number().int(), district_name: z.string() })),
  ttl: z.number().int(),
});
