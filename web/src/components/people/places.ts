// The Canadian time zones and provinces the forms offer, each named in the reader's language.
import type { MessageKey } from "../../i18n/catalogue";
import { language, t } from "../../i18n/i18n";

/** East to west; the names say the region and its city, as Canadians know them. */
export const TIME_ZONES: readonly (readonly [zone: string, name: MessageKey])[] = [
  ["America/St_Johns", "users.zone.stJohns"],
  ["America/Halifax", "users.zone.halifax"],
  ["America/Moncton", "users.zone.moncton"],
  ["America/Toronto", "users.zone.toronto"],
  ["America/Montreal", "users.zone.montreal"],
  ["America/Iqaluit", "users.zone.iqaluit"],
  ["America/Winnipeg", "users.zone.winnipeg"],
  ["America/Regina", "users.zone.regina"],
  ["America/Edmonton", "users.zone.edmonton"],
  ["America/Yellowknife", "users.zone.yellowknife"],
  ["America/Vancouver", "users.zone.vancouver"],
  ["America/Whitehorse", "users.zone.whitehorse"],
];

/** A zone's name; one set elsewhere (through the API) shows as itself. */
export function zoneName(zone: string): string {
  const known = TIME_ZONES.find(([id]) => id === zone);
  return known ? t(known[1]) : zone;
}

/** The zones to offer, the current one kept even when it is not one of ours, so saving never changes it. */
export function zoneChoices(current: string): { value: string; label: string }[] {
  const choices = TIME_ZONES.map(([value, name]) => ({ value, label: t(name) }));
  return current && !TIME_ZONES.some(([id]) => id === current) ? [...choices, { value: current, label: current }] : choices;
}

const PROVINCES: Record<string, MessageKey> = {
  AB: "profile.province.AB",
  BC: "profile.province.BC",
  MB: "profile.province.MB",
  NB: "profile.province.NB",
  NL: "profile.province.NL",
  NS: "profile.province.NS",
  NT: "profile.province.NT",
  NU: "profile.province.NU",
  ON: "profile.province.ON",
  PE: "profile.province.PE",
  QC: "profile.province.QC",
  SK: "profile.province.SK",
  YT: "profile.province.YT",
};

/** The provinces and territories in the reader's alphabetical order. */
export function provinceChoices(): { value: string; label: string }[] {
  const collator = new Intl.Collator(language.value === "fr" ? "fr-CA" : "en-CA");
  return Object.entries(PROVINCES)
    .map(([value, name]) => ({ value, label: t(name) }))
    .sort((a, b) => collator.compare(a.label, b.label));
}

export function languageName(code: string): string {
  return code === "fr" ? t("users.language.fr") : code === "en" ? t("users.language.en") : code;
}
