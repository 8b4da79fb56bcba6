// The portal's pages (routes.json, which the local stack and CloudFront read too, so that reloading any
// page serves the portal), and moving between them without reloading.
import { computed, signal } from "@preact/signals";

import table from "../routes.json";

export type RouteName = keyof typeof table.routes;
export const ROUTES = table.routes as Record<RouteName, string>;

export interface Match {
  name: RouteName | null;
  params: Record<string, string>;
}

export function match(path: string): Match {
  for (const [name, pattern] of Object.entries(ROUTES) as [RouteName, string][]) {
    const names: string[] = [];
    const expression = new RegExp(
      `^${pattern.replace(/:(\w+)/g, (_whole, param: string) => (names.push(param), "([^/]+)"))}/?$`,
    );
    const found = expression.exec(path);
    if (found) {
      const params = Object.fromEntries(names.map((param, index) => [param, decodeURIComponent(found[index + 1] ?? "")]));
      return { name, params };
    }
  }
  return { name: null, params: {} };
}

/** The path of a page, its parameters encoded: `href("details", { id: "INV-1" })` is "/activity/INV-1". */
export function href(name: RouteName, params: Record<string, string> = {}, query: Record<string, string> = {}): string {
  const path = ROUTES[name].replace(/:(\w+)/g, (_whole, param: string) => encodeURIComponent(params[param] ?? ""));
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}

export const location = signal<{ path: string; search: string }>({
  path: globalThis.location?.pathname ?? "/",
  search: globalThis.location?.search ?? "",
});
export const route = computed(() => match(location.value.path));

export function navigate(to: string, { replace = false } = {}): void {
  const url = new URL(to, globalThis.location.origin);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  location.value = { path: url.pathname, search: url.search };
  // A new page: its heading takes focus (app.tsx), as a screen reader expects after a page load.
}

globalThis.addEventListener?.("popstate", () => {
  location.value = { path: globalThis.location.pathname, search: globalThis.location.search };
});

/** A link's click, handled in the page (a modified click still opens a tab). */
export function follow(event: MouseEvent): void {
  const anchor = (event.currentTarget as HTMLAnchorElement | null) ?? null;
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute("href") ?? "/");
}
