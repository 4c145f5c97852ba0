import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { dataPath } from '../../paths.js';

/** The public master data shipped in data/ (see data/SOURCES.md), parsed and checked once. */
const statesFile = z.object({
  states: z.array(
    z.object({
      state_id: z.number().int(),
      state_name: z.string(),
      districts: z.array(z.object({ district_id: z.number().int(), district_name: z.string() })),
    }),
  ),
});

const vaccinesFile = z.object({
  programme: z.object({
    minimum_age: z.number().int(),
    precaution_minimum_age: z.number().int(),
    precaution_interval_days: z.number().int(),
  }),
  vaccines: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      manufacturer: z.string(),
      primary_doses: z.number().int().min(1),
      intervals: z.array(
        z.object({
          dose: z.number().int(),
          min_days: z.number().int(),
          max_days: z.number().int().nullable(),
        }),
      ),
      min_age: z.number().int(),
      heterologous_precaution: z.boolean(),
    }),
  ),
});

const idTypesFile = z.object({ types: z.array(z.object({ id: z.string(), type: z.string() })) });
const gendersFile = z.object({
  genders: z.array(z.object({ id: z.number().int(), gender: z.string() })),
});

const read = <T>(file: string, schema: z.ZodType<T>): T =>
  schema.parse(JSON.parse(readFileSync(dataPath(file), 'utf8')));

export const masterData = {
  states: () => read('states_districts.json', statesFile).states,
  vaccines: () => read('vaccines.json', vaccinesFile),
  idTypes: () => read('id_types.json', idTypesFile).types,
  genders: () => read('genders.json', gendersFile).genders,
};

export type VaccineRules = z.infer<typeof vaccinesFile>['vaccines'][number];
