/** One feature's messages, English and French: the French must have exactly the English keys. */
export function messages<const English extends Record<string, string>>(
  en: English,
  fr: { [Key in keyof English]: string },
): { en: English; fr: { [Key in keyof English]: string } } {
  return { en, fr };
}
