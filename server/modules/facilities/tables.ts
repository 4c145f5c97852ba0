import type { ColumnType, Generated } from 'kysely';

/** jsonb: written as a JSON string (the same on both engines), read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface VaccineFee {
  vaccine: string;
  /** Whole rupees as a string, as CoWIN wrote it ("780"). */
  fee: string;
}

export interface FacilityTables {
  centres: {
    center_id: Generated<number>;
    name: string;
    address: string;
    state_id: number;
    district_id: number;
    block_name: string;
    pincode: number;
    lat: number;
    long: number;
    /** time: read back as 'HH:MM:SS'. */
    opens_at: string;
    closes_at: string;
    fee_type: 'Free' | 'Paid';
    vaccine_fees: ColumnType<VaccineFee[], string | undefined, string>;
    active: Generated<boolean>;
    created_at: Generated<Date>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  vaccination_sessions: {
    session_id: Generated<string>;
    center_id: number;
    date: string;
    vaccine: string;
    min_age_limit: number;
    max_age_limit: number | null;
    capacity_dose1: number;
    capacity_dose2: number;
    capacity_precaution: Generated<number>;
    available_dose1: number;
    available_dose2: number;
    available_precaution: Generated<number>;
    slots: Json<string[]>;
    allow_walk_in: Generated<boolean>;
    created_at: Generated<Date>;
  };
}
