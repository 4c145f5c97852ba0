/** Whether a typed birth year is four digits within the last 120 years; the server checks again. */
export function plausibleBirthYear(text: string): boolean {
  const thisYear = new Date().getFullYear();
  const year = Number(text);
  return /^\d{4}$/.test(text) && year >= thisYear - 120 && year <= thisYear;
}
