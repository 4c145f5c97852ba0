import { startPdf } from '../certificates/pdf.js';
import { cowinDate } from './listing.js';
import type { OpenAppointment } from './store.js';

const MARGIN = 48;
const WIDTH = 595.28 - 2 * MARGIN;

/** The appointment slip a beneficiary shows at the centre: where, when, who (by reference). */
export async function renderAppointmentSlip(rows: OpenAppointment[]): Promise<Buffer> {
  const [first] = rows;
  if (!first) throw new Error('A slip is rendered for at least one appointment row');
  const { doc, done } = startPdf('Appointment Slip for COVID-19 Vaccination');
  doc
    .font('bold')
    .fontSize(18)
    .fillColor('#1a237e')
    .text('कोविड-19 टीकाकरण अपॉइंटमेंट पर्ची', { width: WIDTH, align: 'center' });
  doc.fontSize(16).text('Appointment Slip for COVID-19 Vaccination', {
    width: WIDTH,
    align: 'center',
  });
  doc.moveDown(0.8).fillColor('#222222');
  const line = (label: string, value: string) => {
    doc.font('regular').fontSize(10).text(label, { continued: true });
    doc.font('wide-bold').fontSize(11).text(`  ${value}`);
    doc.moveDown(0.3);
  };
  line('Appointment ID / अपॉइंटमेंट आईडी:', first.appointment_id);
  line('Vaccination centre / टीकाकरण केंद्र:', first.name);
  line('Address / पता:', `${first.address}, ${first.block_name}, ${first.district_name}`);
  line('State, PIN / राज्य, पिन:', `${first.state_name} ${first.pincode}`);
  line('Date / तारीख:', cowinDate(first.date));
  line('Time slot / समय:', first.slot);
  line('Vaccine / टीका:', first.vaccine);
  line('Dose / खुराक:', first.dose === 3 ? 'Precaution' : String(first.dose));
  doc.moveDown(0.5);
  doc.font('bold').fontSize(12).text('Beneficiary reference IDs / लाभार्थी संदर्भ आईडी');
  for (const row of rows) doc.font('regular').fontSize(11).text(row.beneficiary_reference_id);
  doc.moveDown(1);
  doc
    .font('regular')
    .fontSize(9)
    .text('Bring the photo ID used at registration. / पंजीकरण वाला फोटो पहचान पत्र साथ लाएं।', {
      width: WIDTH,
    });
  doc.end();
  return done;
}
