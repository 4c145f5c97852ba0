import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import PDFDocument from 'pdfkit';

import { qrModules } from './qr.js';
import type { Certificate } from './service.js';

/**
 * Fonts come from npm packages that ship TTF (pdfkit cannot read WOFF), so a fresh machine
 * renders Hindi without system fonts. Read once per process; pdfkit embeds the subset used.
 */
const require = createRequire(import.meta.url);
const font = (file: string) => readFileSync(require.resolve(file));
const FONTS = {
  latin: font('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf'),
  latinBold: font('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf'),
  hindi: font(
    '@expo-google-fonts/noto-sans-devanagari/400Regular/NotoSansDevanagari_400Regular.ttf',
  ),
  hindiBold: font('@expo-google-fonts/noto-sans-devanagari/700Bold/NotoSansDevanagari_700Bold.ttf'),
};

const TITLES: Record<Certificate['kind'], { en: string; hi: string }> = {
  provisional: {
    en: 'Provisional Certificate for COVID-19 Vaccination',
    hi: 'कोविड-19 टीकाकरण का अनंतिम प्रमाणपत्र',
  },
  final: {
    en: 'Final Certificate for COVID-19 Vaccination',
    hi: 'कोविड-19 टीकाकरण का अंतिम प्रमाणपत्र',
  },
  precaution: {
    en: 'Certificate for COVID-19 Precaution Dose',
    hi: 'कोविड-19 एहतियाती खुराक का प्रमाणपत्र',
  },
};

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 48;
const QR_SIZE = 220;

/** Renders the certificate as an A4 PDF in English and Hindi, with its QR code. */
export async function renderCertificatePdf(certificate: Certificate): Promise<Buffer> {
  const { credential } = certificate;
  const subject = credential.credentialSubject;
  const [evidence] = credential.evidence;
  if (!evidence) throw new Error('A certificate credential always has one evidence entry');

  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: TITLES[certificate.kind].en, Producer: 'Teeka', Creator: 'Teeka' },
  });
  doc.registerFont('latin', FONTS.latin);
  doc.registerFont('latin-bold', FONTS.latinBold);
  doc.registerFont('hindi', FONTS.hindi);
  doc.registerFont('hindi-bold', FONTS.hindiBold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = A4.width - 2 * MARGIN;
  doc
    .font('hindi-bold')
    .fontSize(18)
    .fillColor('#1a237e')
    .text(TITLES[certificate.kind].hi, { width, align: 'center' });
  doc.font('latin-bold').fontSize(16).text(TITLES[certificate.kind].en, { width, align: 'center' });
  doc.moveDown(0.3);
  // Noto Sans Devanagari also has Latin glyphs: one font for a line that mixes both scripts.
  doc
    .font('hindi')
    .fontSize(10)
    .fillColor('#333333')
    .text(`प्रमाणपत्र आईडी / Certificate ID: ${evidence.certificateId}`, { width, align: 'center' });
  doc.moveDown(0.8);

  const rows: [string, string, string][] = [
    ['Beneficiary Name', 'लाभार्थी का नाम', subject.name],
    ['Age', 'आयु', subject.age],
    ['Gender', 'लिंग', subject.gender],
    [
      'ID Verified',
      'सत्यापित पहचान पत्र',
      `${subject.photoId.idType} # ${subject.photoId.maskedNumber}`,
    ],
    ['Beneficiary Reference ID', 'लाभार्थी संदर्भ आईडी', subject.refId],
    ['Vaccine Name', 'टीके का नाम', evidence.vaccine],
    ['Manufacturer', 'निर्माता', evidence.manufacturer],
    ['Dose Number', 'खुराक संख्या', `${evidence.dose} of ${evidence.totalDoses}`],
    ['Date of Dose', 'खुराक की तारीख', formatDate(evidence.date)],
    ['Vaccine Batch', 'टीके का बैच', evidence.batch],
    ['Vaccinated by', 'टीका लगाने वाले', evidence.verifier.name],
    ['Vaccination at', 'टीकाकरण केंद्र', evidence.facility.name],
    [
      'District, State',
      'जिला, राज्य',
      `${evidence.facility.address.district}, ${evidence.facility.address.addressRegion}`,
    ],
  ];
  const labelWidth = 200;
  const valueX = MARGIN + labelWidth + 12;
  const valueWidth = width - labelWidth - 12;
  for (const [en, hi, value] of rows) {
    const top = doc.y;
    doc
      .font('latin')
      .fontSize(10)
      .fillColor('#555555')
      .text(en, MARGIN, top, { width: labelWidth });
    doc.font('hindi').fontSize(9).text(hi, MARGIN, doc.y, { width: labelWidth });
    const labelBottom = doc.y;
    // Names may be in Devanagari: pick the font by script so nothing renders as boxes.
    const valueFont = /[\u0900-\u097F]/.test(value) ? 'hindi-bold' : 'latin-bold';
    doc
      .font(valueFont)
      .fontSize(11)
      .fillColor('#000000')
      .text(value, valueX, top, { width: valueWidth });
    doc.y = Math.max(labelBottom, doc.y) + 4;
    doc
      .moveTo(MARGIN, doc.y - 2)
      .lineTo(MARGIN + width, doc.y - 2)
      .lineWidth(0.5)
      .strokeColor('#dddddd')
      .stroke();
  }

  const qrTop = doc.y + 10;
  // Long names and centre names wrap; the QR shrinks into the space left rather than overlap.
  const qrSide = Math.min(QR_SIZE, A4.height - MARGIN - 30 - qrTop);
  const qrX = (A4.width - qrSide) / 2;
  // Drawn as vector squares: sharp at any print size, and far cheaper than embedding a PNG.
  const { size, isDark } = qrModules(certificate.qrText);
  const quiet = 4;
  const module = qrSide / (size + 2 * quiet);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (isDark(row, col)) {
        doc.rect(qrX + (col + quiet) * module, qrTop + (row + quiet) * module, module, module);
      }
    }
  }
  doc.fill('#000000');
  doc
    .font('latin')
    .fontSize(9)
    .fillColor('#333333')
    .text('Scan the QR code to verify this certificate.', MARGIN, qrTop + QR_SIZE + 6, {
      width,
      align: 'center',
    });
  doc
    .font('hindi')
    .fontSize(9)
    .text('इस प्रमाणपत्र को सत्यापित करने के लिए QR कोड स्कैन करें।', { width, align: 'center' });
  doc.end();
  return done;
}

/** 2021-09-17T10:30:00.000Z -> 17 Sep 2021 (CoWIN printed dates this way), in India's time zone. */
function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', {
    day: '2-digit',
    month: 'short',
    year: 'numeric',
    timeZone: 'Asia/Kolkata',
  });
}
