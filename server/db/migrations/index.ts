import type { Migration } from 'kysely';

import * as m0001 from './0001_master_data.js';
import * as m0002 from './0002_facilities.js';
import * as m0003 from './0003_audit.js';
import * as m0010 from './0010_audit_tree.js';
import * as m0020 from './0020_citizens.js';
import * as m0030 from './0030_staff.js';
import * as m0040 from './0040_appointments.js';
import * as m0070 from './0070_certificates.js';
import * as m0075 from './0075_certificate_format_keys.js';
import * as m0080 from './0080_vaccinations.js';
import * as m0090 from './0090_partners.js';
import * as m0095 from './0095_kill_switch.js';
import * as m0100 from './0100_outbox.js';
import * as m0110 from './0110_partner_apps.js';
import * as m0120 from './0120_certificate_pdfs.js';
import * as m0160 from './0160_dose_age_band.js';
import * as m0170 from './0170_dose_counts.js';

/** Applied in key order; a migration, once released, is never edited: add a new one. */
export const migrations: Record<string, Migration> = {
  '0001_master_data': m0001,
  '0002_facilities': m0002,
  '0003_audit': m0003,
  '0010_audit_tree': m0010,
  '0020_citizens': m0020,
  '0030_staff': m0030,
  '0040_appointments': m0040,
  '0070_certificates': m0070,
  '0075_certificate_format_keys': m0075,
  '0080_vaccinations': m0080,
  '0090_partners': m0090,
  '0095_kill_switch': m0095,
  '0100_outbox': m0100,
  '0110_partner_apps': m0110,
  '0120_certificate_pdfs': m0120,
  '0160_dose_age_band': m0160,
  '0170_dose_counts': m0170,
};
