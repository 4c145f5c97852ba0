import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import PDFDocument from 'pdfkit';

import { qrModules } from './qr.js';
import type { Certificate } from './service.js';

/**
 * Fonts come from npm packages that ship TTF (pdfkit cannot read WOFF), so a fresh machine
 * renders Hindi without system fonts. Noto Sans Devanagari also covers Latin (Basic,
 * Latin-1, Extended-A) and is a quarter the size of Noto Sans, and pdfkit parses every font
 * it embeds again for each document: so it sets the whole page, and Noto Sans is embedded
 * only for a value in another script (Greek, Cyrillic, Vietnamese...).
 */
const require = createRequire(import.meta.url);
const font = (file: string) => readFileSync(require.resolve(file));
const FONTS = {
  regular: font(
    '@expo-google-fonts/noto-sans-devanagari/400Regular/NotoSansDevanagari_400Regular.ttf',
  ),
  bold: font('@expo-google-fonts/noto-sans-devanagari/700Bold/NotoSansDevanagari_700Bold.ttf'),
  wideBold: font('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf'),
};
/** Code point ranges Noto Sans Devanagari has glyphs for. */
const DEVANAGARI_FONT_RANGES: [number, number][] = [
  [0x0020, 0x017f], // Basic Latin, Latin-1, Latin Extended-A
  [0x0900, 0x097f], // Devanagari
  [0x1cd0, 0x1cff], // Vedic Extensions
  [0x2000, 0x206f], // General Punctuation
  [0x20b9, 0x20b9], // Indian rupee sign
  [0xa8e0, 0xa8ff], // Devanagari Extended
];
const devanagariFontCovers = (text: string) =>
  Array.from(text).every((char) => {
    const code = char.codePointAt(0) ?? 0;
    return DEVANAGARI_FONT_RANGES.some(([from, to]) => code >= from && code <= to);
  });

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

/**
 * An A4 document with Teeka's fonts registered as 'regular', 'bold' and 'wide-bold'
 * (Latin-only bold); `done` resolves to the bytes once `doc.end()` is called.
 */
export function startPdf(title: string) {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: title, Producer: 'Teeka', Creator: 'Teeka' },
  });
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);
  doc.registerFont('wide-bold', FONTS.wideBold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}

/** Renders the certificate as an A4 PDF in English and Hindi, with its QR code. */
export async function renderCertificatePdf(certificate: Certificate): Promise<Buffer> {
  const { credential } = certificate;
  const subject = credential.credentialSubject;
  const [evidence] = credential.evidence;
  if (!evidence) throw new Error('A certificate credential always has one evidence entry');

  const { doc, done } = startPdf(TITLES[certificate.kind].en);

  const width = A4.width - 2 * MARGIN;
  doc
    .font('bold')
    .fontSize(18)
    .fillColor('#1a237e')
    .text(TITLES[certificate.kind].hi, { width, align: 'center' });
  doc.font('bold').fontSize(16).text(TITLES[certificate.kind].en, { width, align: 'center' });
  doc.moveDown(0.3);
  doc
    .font('regular')
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
      .font('regular')
      .fontSize(9.5)
      .fillColor('#555555')
      .text(en, MARGIN, top, { width: labelWidth });
    doc.fontSize(8.5).text(hi, MARGIN, doc.y - 1, { width: labelWidth });
    const labelBottom = doc.y;
    doc
      .font(devanagariFontCovers(value) ? 'bold' : 'wide-bold')
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
    .font('regular')
    .fontSize(9)
    .fillColor('#333333')
    .text('Scan the QR code to verify this certificate.', MARGIN, qrTop + qrSide + 4, {
      width,
      align: 'center',
    });
  doc.text('इस प्रमाणपत्र को सत्यापित करने के लिए QR कोड स्कैन करें।', { width, align: 'center' });
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
