// The signed-in session: the tokens (kept for the tab's life, so a reload stays signed in), renewed quietly
// with the refresh token before the id token expires; when it cannot be renewed, the session ends and the
// sign-in page says so.
import { signal } from "@preact/signals";

import type { MessageKey } from "./i18n/catalogue";

export interface Tokens {
  idToken: string;
  refreshToken: string;
  expiresAt: number; // epoch milliseconds
}

const KEY = "billing-portal.session";

function stored(): Tokens | null {
  try {
    const value = JSON.parse(globalThis.sessionStorage?.getItem(KEY) ?? "null") as Tokens | null;
    return value && typeof value.idToken === "string" && typeof value.refreshToken === "string" ? value : null;
  } catch {
    return null;
  }
}

export const tokens = signal<Tokens | null>(stored());
/** What the sign-in page tells the person who lands on it (a session that ended, a sign-out). */
export const signInNotice = signal<MessageKey | null>(null);

export function startSession(answer: { id_token: string; refresh_token: string; expires_in: number }, now = Date.now()): void {
  const next = { idToken: answer.id_token, refreshToken: answer.refresh_token, expiresAt: now + answer.expires_in * 1000 };
  tokens.value = next;
  globalThis.sessionStorage?.setItem(KEY, JSON.stringify(next));
}

export function endSession(notice: MessageKey | null): void {
  tokens.value = null;
  signInNotice.value = notice;
  globalThis.sessionStorage?.removeItem(KEY);
}

/** Whether the id token should be renewed before it is sent (a minute's margin). */
export function needsRenewal(current: Tokens, now = Date.now()): boolean {
  return current.expiresAt - now < 60_000;
}
