// What the sign-in pages hand to each other, in memory only (never in the address, where it would stay in
// the history and in logs): the first-login challenge, and the username someone asked a reset code for.
import { signal } from "@preact/signals";

import { match } from "../../router";

export interface Challenge {
  username: string;
  session: string;
  next: string | null;
}

export const challenge = signal<Challenge | null>(null);
export const resetUsername = signal<string>("");

/** The page to open after sign-in: the one the person was sent from when it is a page of this portal
 *  (never another site, nor a sign-in page again), else the dashboard. */
export function nextPage(next: string | null | undefined): string | null {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return null;
  const path = next.split(/[?#]/, 1)[0] ?? "";
  const page = match(path).name;
  if (page === null || ["signIn", "newPassword", "forgotPassword", "resetPassword"].includes(page)) return null;
  return next;
}
