import type { AppointmentTables } from '../modules/appointments/tables.js';
import type { AuditTables } from '../modules/audit/tables.js';
import type { BeneficiaryTables } from '../modules/beneficiaries/tables.js';
import type { CertificateTables } from '../modules/certificates/tables.js';
import type { CitizenAuthTables } from '../modules/citizen-auth/tables.js';
import type { EventTables } from '../modules/events/tables.js';
import type { FacilityTables } from '../modules/facilities/tables.js';
import type { KillSwitchTables } from '../modules/kill-switch/tables.js';
import type { MasterDataTables } from '../modules/masterdata/tables.js';
import type { PartnerTables } from '../modules/partners/tables.js';
import type { ReportTables } from '../modules/reports/tables.js';
import type { StaffTables } from '../modules/staff/tables.js';
import type { VaccinationTables } from '../modules/vaccinations/tables.js';

/** Every table Teeka owns, composed from the domains that own them. */
export interface Database
  extends
    MasterDataTables,
    FacilityTables,
    AuditTables,
    CitizenAuthTables,
    BeneficiaryTables,
    StaffTables,
    CertificateTables,
    AppointmentTables,
    EventTables,
    VaccinationTables,
    PartnerTables,
    KillSwitchTables,
    ReportTables {}
