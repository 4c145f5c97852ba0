import type { Generated } from 'kysely';

export type AppointmentStatus = 'booked' | 'cancelled' | 'rescheduled' | 'completed';

export interface AppointmentTables {
  appointments: {
    id: Generated<number>;
    appointment_id: string;
    mobile_ref: string;
    beneficiary_reference_id: string;
    session_id: string;
    dose: number;
    slot: string;
    status: AppointmentStatus;
    created_at: Date;
    closed_at: Date | null;
  };
}
