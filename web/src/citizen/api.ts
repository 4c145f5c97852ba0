import { request } from '../api';

export interface Appointment {
  appointment_id: string;
  center_id: number;
  name: string;
  district_name: string;
  block_name: string;
  from: string;
  to: string;
  dose: number;
  session_id: string;
  /** DD-MM-YYYY. */
  date: string;
  slot: string;
}
export interface Beneficiary {
  beneficiary_reference_id: string;
  name: string;
  birth_year: string;
  gender: string;
  /** Masked by the server (last 4 digits). */
  mobile_number: string;
  /** The ID type's name. */
  photo_id_type: string;
  /** Masked by the server. */
  photo_id_number: string;
  vaccination_status: string;
  vaccine: string;
  dose1_date: string;
  dose2_date: string;
  appointments: Appointment[];
}
export interface NewBeneficiary {
  name: string;
  birth_year: string;
  gender_id: number;
  photo_id_type: number;
  photo_id_number: string;
  comorbidity_ind: 'Y' | 'N';
  consent_version: string;
}
export interface AccessEvent {
  at: string;
  action: string;
  outcome: 'allowed' | 'denied' | 'failed';
  reason: string | null;
  actor: { type: string; role: string | null; organisation: string | null };
}

/** A consent given to a partner from this mobile (`GET /api/v1/me/consents`). */
export interface Consent {
  consent_id: string;
  beneficiary_reference_id: string;
  partner: string;
  scope: 'vaccination-status:consented' | 'certificate:consented';
  purpose: string;
  created_at: string;
  expires_at: string;
  uses_left: number;
  status: 'active' | 'expired' | 'revoked' | 'used-up';
}
/** A certificate correction asked for (`GET /api/v1/me/corrections`). */
export interface CorrectionRequest {
  request_id: string;
  beneficiary_reference_id: string;
  fields: string[];
  status: 'pending' | 'approved' | 'rejected';
  requested_at: string;
  decided_at: string | null;
  new_certificate_id: string | null;
  decision_reason: string | null;
}
export interface NewCorrection {
  beneficiary_reference_id: string;
  name?: string;
  birth_year?: string;
  gender_id?: number;
  photo_id_number?: string;
  reason: string;
}

export interface EuDcc {
  /** `HC1:`... */
  qr_text: string;
  certificate_identifier: string;
  expires_at: string;
}

const mine = (ref: string) => `/api/v1/me/certificates/${encodeURIComponent(ref)}`;
/** The certificate files a citizen can download, with the name each is saved under. */
export const certificateFiles = {
  pdf: {
    path: (ref: string) =>
      `/api/v2/registration/certificate/public/download?${new URLSearchParams({ beneficiary_reference_id: ref }).toString()}`,
    name: (ref: string) => `teeka-certificate-${ref}.pdf`,
  },
  shc: {
    path: (ref: string) => `${mine(ref)}/smart-health-card`,
    name: (ref: string) => `teeka-${ref}.smart-health-card`,
  },
  shcQr: {
    path: (ref: string) => `${mine(ref)}/smart-health-card/qr.png`,
    name: (ref: string) => `teeka-${ref}-smart-health-card.png`,
  },
  dccQr: {
    path: (ref: string) => `${mine(ref)}/eu-dcc/qr.png`,
    name: (ref: string) => `teeka-${ref}-eu-dcc.png`,
  },
} as const;
export type CertificateFile = keyof typeof certificateFiles;

/** CoWIN's confirmOTP takes the SHA-256 hex digest of the OTP, never the OTP itself. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export const citizenAuth = {
  generateOtp: (mobile: string) =>
    request<{ txnId: string }>('/api/v2/auth/public/generateOTP', {
      method: 'POST',
      body: { mobile },
    }),
  confirmOtp: async (txnId: string, otp: string) =>
    request<{ token: string }>('/api/v2/auth/public/confirmOTP', {
      method: 'POST',
      body: { otp: await sha256Hex(otp), txnId },
    }),
};

/** The citizen endpoints, for one logged-in citizen. */
export function citizenApi(token: string) {
  const post = <T = void>(path: string, body: unknown) =>
    request<T>(path, { method: 'POST', body, token });
  return {
    logout: () => post('/api/v2/auth/logout', undefined),
    beneficiaries: () =>
      request<{ beneficiaries: Beneficiary[] }>('/api/v2/appointment/beneficiaries', {
        token,
      }).then((r) => r.beneficiaries),
    idTypes: () =>
      request<{ types: { id: string; type: string }[] }>(
        '/api/v2/registration/beneficiary/idTypes',
        { token },
      ).then((r) => r.types),
    genders: () =>
      request<{ genders: { id: number; gender: string }[] }>(
        '/api/v2/registration/beneficiary/genders',
        { token },
      ).then((r) => r.genders),
    register: (beneficiary: NewBeneficiary) =>
      post<{ beneficiary_reference_id: string }>(
        '/api/v2/registration/beneficiary/new',
        beneficiary,
      ),
    schedule: (body: { dose: number; session_id: string; slot: string; beneficiaries: string[] }) =>
      post<{ appointment_confirmation_no: string }>('/api/v2/appointment/schedule', body),
    reschedule: (body: { appointment_id: string; session_id: string; slot: string }) =>
      post('/api/v2/appointment/reschedule', body),
    cancel: (body: { appointment_id: string; beneficiariesToCancel: string[] }) =>
      post('/api/v2/appointment/cancel', body),
    appointmentSlip: (appointmentId: string) =>
      request<Blob>(
        `/api/v2/appointment/appointmentslip/download?${new URLSearchParams({ appointment_id: appointmentId }).toString()}`,
        { token, blob: true },
      ),
    /** A certificate file: the CoWIN PDF, the SMART Health Card file or a QR code image. */
    certificateFile: (ref: string, format: CertificateFile) =>
      request<Blob>(certificateFiles[format].path(ref), { token, blob: true }),
    euDcc: (ref: string) => request<EuDcc>(`${mine(ref)}/eu-dcc`, { token }),
    accessLog: () =>
      request<{ beneficiaries: { beneficiary_reference_id: string; events: AccessEvent[] }[] }>(
        '/api/v1/me/access-log',
        { token },
      ).then((r) => r.beneficiaries),
    consents: () =>
      request<{ consents: Consent[] }>('/api/v1/me/consents', { token }).then((r) => r.consents),
    revokeConsent: (consentId: string) =>
      post(`/api/v1/me/consents/${encodeURIComponent(consentId)}/revoke`, undefined),
    corrections: () =>
      request<{ requests: CorrectionRequest[] }>('/api/v1/me/corrections', { token }).then(
        (r) => r.requests,
      ),
    requestCorrection: (body: NewCorrection) =>
      post<{ request_id: string; status: 'pending' }>('/api/v1/me/corrections', body),
  };
}
export type CitizenApi = ReturnType<typeof citizenApi>;

/** Saves a downloaded file under `name` (the browser's own download). */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download has started by the next task; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
