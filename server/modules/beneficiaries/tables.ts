import type { Generated } from 'kysely';

export interface BeneficiaryTables {
  beneficiaries: {
    beneficiary_reference_id: string;
    mobile_ref: string;
    name_enc: string;
    birth_year_enc: string;
    gender_id: number;
    photo_id_type: number;
    photo_id_number_enc: string;
    photo_id_index: string;
    comorbidity_ind: 'Y' | 'N';
    consent_version: string;
    /** Maintained by the vaccination domain when it records a dose. */
    doses_given: Generated<number>;
    vaccine: Generated<string | null>;
    dose1_date: Generated<string | null>;
    dose2_date: Generated<string | null>;
    created_at: Date;
  };
}
