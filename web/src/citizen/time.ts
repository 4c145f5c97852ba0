import { useTranslation } from 'react-i18next';

/** Formats an ISO time as a date and time in India, in the page's language. */
export function useIndiaTime() {
  const { i18n } = useTranslation();
  return (iso: string) =>
    new Date(iso).toLocaleString(i18n.language === 'hi' ? 'hi-IN' : 'en-IN', {
      timeZone: 'Asia/Kolkata',
      dateStyle: 'medium',
      timeStyle: 'short',
    });
}
