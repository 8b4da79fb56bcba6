// The frame of every page: a skip link, the header (whose portal this is, the language switch, the user's
// menu), and the page the address names. Signed-in pages need a session; without one, the sign-in page.
import { effect, signal, useSignal } from "@preact/signals";
import type { FunctionComponent } from "preact";
import { useEffect, useRef } from "preact/hooks";

import { api } from "./api/client";
import { Link, Notice } from "./components/ui";
import { brands, language, t } from "./i18n/i18n";
import { ForgotPassword } from "./pages/ForgotPassword";
import { NewPassword } from "./pages/NewPassword";
import { ResetPassword } from "./pages/ResetPassword";
import { SignIn } from "./pages/SignIn";
import { href, location, navigate, route, type RouteName } from "./router";
import { endSession, tokens } from "./session";
import { chooseLanguage, loadMe, me } from "./state";

type Page = FunctionComponent<{ params: Record<string, string> }>;
// The pages before sign-in come with the portal; the signed-in ones are fetched when first opened (and
// the dashboard's as soon as a session exists), so that the sign-in page loads only what it shows.
const PAGES: Partial<Record<RouteName, Page>> = {
  signIn: SignIn,
  newPassword: NewPassword,
  forgotPassword: ForgotPassword,
  resetPassword: ResetPassword,
};
const LATER: Record<string, () => Promise<Page>> = {
  dashboard: () => import("./pages/Dashboard").then((page) => page.Dashboard),
  details: () => import("./pages/TransactionDetails").then((page) => page.TransactionDetails),
  payment: () => import("./pages/MakePayment").then((page) => page.MakePayment),
  profile: () => import("./pages/EditProfile").then((page) => page.EditProfile),
  users: () => import("./pages/ManageUsers").then((page) => page.ManageUsers),
};
const fetched = signal<Partial<Record<RouteName, Page>>>({});

function pageFor(name: RouteName): Page | undefined {
  const page = PAGES[name] ?? fetched.value[name];
  const load = LATER[name];
  if (!page && load) {
    void load().then((loaded) => {
      fetched.value = { ...fetched.value, [name]: loaded };
    });
  }
  return page;
}
const PUBLIC: ReadonlySet<RouteName> = new Set(["signIn", "newPassword", "forgotPassword", "resetPassword"]);

// `html lang` follows the reader's language, for screen readers and for the browser's hyphenation.
effect(() => {
  if (globalThis.document) document.documentElement.lang = language.value === "fr" ? "fr-CA" : "en-CA";
});

export function App() {
  const { name, params } = route.value;
  const signedIn = tokens.value !== null;
  const needsSession = name !== null && !PUBLIC.has(name);

  useEffect(() => {
    if (needsSession && !signedIn) {
      // The sign-in page opens this page again afterwards (SignIn reads `next`, accepting only portal pages).
      const from: Record<string, string> =
        location.value.path === "/" ? {} : { next: location.value.path + location.value.search };
      navigate(href("signIn", {}, from), { replace: true });
    }
    if (signedIn && !me.value) void loadMe();
  }, [needsSession, signedIn]);

  const Page = name ? pageFor(name) : null;
  return (
    <>
      <a class="skip" href="#main">
        {t("shell.skip")}
      </a>
      <Header />
      <main id="main">
        {Page && (!needsSession || signedIn) ? <Page params={params} /> : name === null ? <NotFound /> : null}
      </main>
      <footer class="site-footer">
        <p>{t("shell.contact")}</p>
      </footer>
    </>
  );
}

function Header() {
  const brand = brands.value?.[language.value];
  const user = me.value;
  return (
    <header class="site-header">
      <div class="brand">
        <Link href={href(tokens.value ? "dashboard" : "signIn")}>
          <span class="provider">{brand?.provider}</span> <span class="portal">{brand?.portal}</span>
        </Link>
      </div>
      <nav class="header-actions" aria-label={t("shell.language")}>
        <LanguageSwitch />
        {user && tokens.value && <UserMenu name={`${user.first_name} ${user.last_name}`} />}
      </nav>
    </header>
  );
}

function LanguageSwitch() {
  const next = language.value === "fr" ? "en" : "fr";
  const failed = useSignal(false);
  return (
    <>
      <button
        type="button"
        class="link-button"
        lang={next === "fr" ? "fr-CA" : "en-CA"}
        aria-label={t("shell.switchToLabel")}
        onClick={async () => {
          failed.value = !(await chooseLanguage(next));
        }}
      >
        {t("shell.switchTo")}
      </button>
      {failed.value && <Notice kind="error">{t("shell.error")}</Notice>}
    </>
  );
}

function UserMenu({ name }: { name: string }) {
  const open = useSignal(false);
  const button = useRef<HTMLButtonElement>(null);
  const close = () => {
    open.value = false;
    button.current?.focus();
  };
  return (
    // Escape closes the menu from wherever focus is inside it (the button and its links are the controls).
    // eslint-disable-next-line jsx-a11y/no-static-element-interactions
    <div class="user-menu" onKeyDown={(event) => event.key === "Escape" && open.value && close()}>
      <button
        ref={button}
        type="button"
        class="user-menu-button"
        aria-expanded={open.value}
        aria-controls="user-menu-list"
        aria-label={t("shell.userMenu", { name })}
        onClick={() => (open.value = !open.value)}
      >
        {name}
      </button>
      {open.value && (
        <ul id="user-menu-list" class="user-menu-list">
          <li>
            <Link href={href("users")} onClick={() => (open.value = false)}>
              {t("shell.manageUsers")}
            </Link>
          </li>
          <li>
            <Link href={href("profile")} onClick={() => (open.value = false)}>
              {t("shell.editProfile")}
            </Link>
          </li>
          <li>
            <button type="button" class="link-button" onClick={() => void signOut()}>
              {t("shell.signOut")}
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}

export async function signOut(): Promise<void> {
  const refresh = tokens.value?.refreshToken;
  if (refresh) await api.POST("/auth/logout", { body: { refresh_token: refresh } }).catch(() => undefined);
  me.value = null;
  endSession("shell.signedOut");
  navigate(href("signIn"));
}

function NotFound() {
  return (
    <>
      <h1>{t("shell.notFound")}</h1>
      <p>
        <Link href={href("dashboard")}>{t("shell.backToDashboard")}</Link>
      </p>
    </>
  );
}
