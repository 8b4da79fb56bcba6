// The API, typed by the OpenAPI document (`npm run generate` makes schema.d.ts from docs/openapi.json at
// every build, so a change of the API the client does not follow fails the type check). Every request
// says the reader's language; signed-in ones carry the id token, renewed first when it is about to expire.
import createClient, { type Middleware } from "openapi-fetch";

import { language } from "../i18n/i18n";
import { endSession, needsRenewal, startSession, tokens } from "../session";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ApiError = Schemas["Error"];

let base = "";

let renewing: Promise<boolean> | null = null;

/** Renew the id token with the refresh token, once however many requests ask at the same moment. */
export function renewSession(): Promise<boolean> {
  const current = tokens.value;
  if (!current) return Promise.resolve(false);
  renewing ??= fetch(`${base}/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept-Language": language.value },
    body: JSON.stringify({ refresh_token: current.refreshToken }),
  })
    .then(async (answer) => {
      if (!answer.ok) return false;
      startSession((await answer.json()) as Schemas["Tokens"]);
      return true;
    })
    .catch(() => false)
    .finally(() => {
      renewing = null;
    });
  return renewing;
}

const PUBLIC = /^\/auth\/(login|new-password|forgot-password|reset-password|refresh)$/;

const session: Middleware = {
  async onRequest({ request, schemaPath }) {
    request.headers.set("Accept-Language", language.value);
    if (PUBLIC.test(schemaPath)) return request;
    if (tokens.value && needsRenewal(tokens.value)) await renewSession();
    if (tokens.value) request.headers.set("Authorization", `Bearer ${tokens.value.idToken}`);
    return request;
  },
  async onResponse({ response, schemaPath }) {
    // A signed-in request refused as not signed in: the session ended (expired, signed out elsewhere, the
    // user deleted). The page that asked shows nothing more; the sign-in page says why.
    if (response.status === 401 && !PUBLIC.test(schemaPath) && tokens.value) endSession("shell.sessionEnded");
    return response;
  },
};

/** The client, made once the portal's configuration says where the API is ("" locally, "/v1" deployed). */
export let api = createClient<paths>({ baseUrl: "http://127.0.0.1" });

export function configureApi(apiBase: string, origin: string = globalThis.location?.origin ?? "http://127.0.0.1"): void {
  base = `${origin}${apiBase.replace(/\/$/, "")}`;
  api = createClient<paths>({ baseUrl: base });
  api.use(session);
}
