// What the portal is told by its host (`/config.json`, written from the stack's parameters, the same ones
// the API's messages use): where the API is, and whose portal this is. Never constants of the client.
import type { Language } from "./i18n/i18n";

export interface Brand {
  provider: string;
  portal: string;
  billingEmail: string;
  billingPhone: string;
}

export interface PortalConfig {
  apiBase: string;
  brand: Record<Language, Brand>;
}

export function isPortalConfig(value: unknown): value is PortalConfig {
  const config = value as PortalConfig | null;
  return (
    typeof config?.apiBase === "string" &&
    (["en", "fr"] as const).every((language) => {
      const brand = config.brand?.[language];
      return ["provider", "portal", "billingEmail", "billingPhone"].every(
        (name) => typeof brand?.[name as keyof Brand] === "string",
      );
    })
  );
}

export async function loadConfig(): Promise<PortalConfig> {
  // The preloaded response (index.html); the host serves it with no-cache, so a deploy's change is seen.
  const answer = await fetch("/config.json");
  const config: unknown = await answer.json();
  if (!answer.ok || !isPortalConfig(config)) throw new Error("config.json is missing or incomplete");
  return config;
}
