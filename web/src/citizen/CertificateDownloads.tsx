import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { FormProblem } from '../components/TextField';
import {
  type CertificateFile,
  certificateFiles,
  type CitizenApi,
  type EuDcc,
  saveFile,
} from './api';

const FILES: CertificateFile[] = ['pdf', 'shc', 'shcQr', 'dccQr'];

/**
 * One member's certificate in every format the server issues: the CoWIN PDF, the SMART
 * Health Card file and QR image, the EU DCC QR image and its `HC1:` text (to paste into a
 * verifier or keep). Shown once a dose has been given, as that issues the certificate.
 */
export function CertificateDownloads({
  api,
  beneficiaryRef: ref,
}: {
  api: CitizenApi;
  beneficiaryRef: string;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<CertificateFile | 'dcc' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [dcc, setDcc] = useState<EuDcc | null>(null);
  const heading = useId();
  const dccText = useId();

  async function run(which: CertificateFile | 'dcc', work: () => Promise<void>) {
    setBusy(which);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(
        `${t('certificates.failed')} ${error instanceof ApiError ? error.message : ''}`.trim(),
      );
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="certificate" aria-labelledby={heading} data-testid="certificate">
      <h4 id={heading}>{t('certificates.title')}</h4>
      <div className="actions">
        {FILES.map((format) => (
          <button
            key={format}
            type="button"
            disabled={busy !== null}
            onClick={() =>
              void run(format, async () => {
                saveFile(
                  await api.certificateFile(ref, format),
                  certificateFiles[format].name(ref),
                );
              })
            }
          >
            {busy === format ? t('certificates.downloading') : t(`certificates.${format}`)}
          </button>
        ))}
        <button
          type="button"
          disabled={busy !== null}
          aria-expanded={dcc !== null}
          onClick={() =>
            dcc ? setDcc(null) : void run('dcc', async () => setDcc(await api.euDcc(ref)))
          }
        >
          {busy === 'dcc'
            ? t('certificates.downloading')
            : dcc
              ? t('certificates.dccHide')
              : t('certificates.dccShow')}
        </button>
      </div>
      {dcc && (
        <div className="dcc">
          <label htmlFor={dccText}>{t('certificates.dccText')}</label>
          <textarea id={dccText} readOnly rows={4} value={dcc.qr_text} data-testid="dcc-text" />
          <p>
            {t('certificates.dccId', { id: dcc.certificate_identifier })}
            <br />
            {t('certificates.dccExpires', { date: dcc.expires_at.slice(0, 10) })}
          </p>
        </div>
      )}
      <FormProblem problem={problem} />
    </section>
  );
}
