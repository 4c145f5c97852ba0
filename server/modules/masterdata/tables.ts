import type { ColumnType, Generated } from 'kysely';

export interface MasterDataTables {
  states: { state_id: number; state_name: string; position: number };
  districts: { district_id: number; state_id: number; district_name: string; position: number };
  vaccines: {
    code: string;
    name: string;
    manufacturer: string;
    primary_doses: number;
    min_age: number;
    intervals: ColumnType<
      { dose: number; min_days: number; max_days: number | null }[],
      string,
      string
    >;
    heterologous_precaution: boolean;
  };
  id_types: { id: number; type: string; position: Generated<number> };
  genders: { id: number; gender: string };
  programme_rules: { key: string; value: number };
}
