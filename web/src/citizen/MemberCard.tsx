import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../api';
import { FormProblem } from '../components/TextField';
import { type Appointment, type Beneficiary, type CitizenApi, saveFile } from './api';
import { CertificateDownloads } from './CertificateDownloads';

/** One registered person: their facts (masked by the server) and open appointments. */
export function MemberCard({
  api,
  beneficiary,
  onBook,
  onReschedule,
  onCancelled,
}: {
  api: CitizenApi;
  beneficiary: Beneficiary;
  onBook: () => void;
  onReschedule: (appointment: Appointment) => void;
  onCancelled: () => void;
}) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const ref = beneficiary.beneficiary_reference_id;

  async function run(work: () => Promise<void>, failed: string) {
    setBusy(true);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(`${t(failed)} ${error instanceof ApiError ? error.message : ''}`.trim());
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="member" data-testid="member" aria-labelledby={`member-${ref}`}>
      <h3 id={`member-${ref}`}>{beneficiary.name}</h3>
      <dl className="facts">
        <dt>{t('citizen.member.ref')}</dt>
        <dd>{ref}</dd>
        <dt>{t('citizen.member.birthYear')}</dt>
        <dd>{beneficiary.birth_year}</dd>
        <dt>{t('citizen.member.idNumber')}</dt>
        <dd>{beneficiary.photo_id_number}</dd>
        <dt>{t('citizen.member.status')}</dt>
        <dd>{beneficiary.vaccination_status}</dd>
      </dl>
      {beneficiary.appointments.map((appointment) => (
        <div className="appointment" key={appointment.appointment_id} data-testid="appointment">
          <p>
            <strong>{t('citizen.appointment.title', { dose: appointment.dose })}</strong>
            <br />
            {appointment.date} · {appointment.slot}
            <br />
            {appointment.name}, {appointment.block_name}, {appointment.district_name}
          </p>
          {confirming === appointment.appointment_id ? (
            <div className="actions" role="group" aria-label={t('citizen.appointment.sure')}>
              <span>{t('citizen.appointment.sure')}</span>
              <button
                type="button"
                className="danger"
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    await api.cancel({
                      appointment_id: appointment.appointment_id,
                      beneficiariesToCancel: [ref],
                    });
                    setConfirming(null);
                    onCancelled();
                  }, 'citizen.appointment.cancelFailed')
                }
              >
                {t('citizen.appointment.yesCancel')}
              </button>
              <button type="button" disabled={busy} onClick={() => setConfirming(null)}>
                {t('citizen.appointment.keep')}
              </button>
            </div>
          ) : (
            <div className="actions">
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    saveFile(
                      await api.appointmentSlip(appointment.appointment_id),
                      `appointment-slip-${appointment.date}.pdf`,
                    );
                  }, 'citizen.appointment.slipFailed')
                }
              >
                {busy ? t('citizen.appointment.downloading') : t('citizen.appointment.slip')}
              </button>
              <button type="button" disabled={busy} onClick={() => onReschedule(appointment)}>
                {t('citizen.appointment.reschedule')}
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() => setConfirming(appointment.appointment_id)}
              >
                {t('citizen.appointment.cancel')}
              </button>
            </div>
          )}
        </div>
      ))}
      {beneficiary.dose1_date && <CertificateDownloads api={api} beneficiaryRef={ref} />}
      {beneficiary.appointments.length === 0 && (
        <button type="button" className="primary" onClick={onBook}>
          {t('citizen.appointment.book')}
        </button>
      )}
      <FormProblem problem={problem} />
    </li>
  );
}
