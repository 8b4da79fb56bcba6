// Who is signed in, as GET /me says: their name for the menu, their language and time zone for every page.
import { signal } from "@preact/signals";

import { api, type Schemas } from "./api/client";
import { language, timeZone } from "./i18n/i18n";

export const me = signal<Schemas["Me"] | null>(null);

export async function loadMe(): Promise<Schemas["Me"] | null> {
  const { data } = await api.GET("/me");
  if (data) {
    me.value = data;
    language.value = data.language;
    timeZone.value = data.time_zone;
  }
  return data ?? null;
}

/** The language switch: a signed-in user's choice is saved as theirs (Manage Users shows it too). */
export async function chooseLanguage(next: "en" | "fr"): Promise<boolean> {
  const user = me.value;
  if (!user) {
    language.value = next;
    return true;
  }
  const { data } = await api.PATCH("/users/{username}", {
    params: { path: { username: user.username } },
    body: { language: next },
  });
  if (!data) return false;
  me.value = { ...user, language: next };
  language.value = next;
  return true;
}
