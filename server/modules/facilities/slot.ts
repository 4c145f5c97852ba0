/** A slot as CoWIN wrote it: `09:00AM-11:00AM` (shared with the web app's session forms). */
export const SLOT = /^(0\d|1[0-2]):[0-5]\d(AM|PM)-(0\d|1[0-2]):[0-5]\d(AM|PM)$/;
