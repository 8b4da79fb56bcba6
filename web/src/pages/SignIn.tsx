// The sign-in page: username and password; at the first sign-in, on to choosing a password; then the
// dashboard, or the page the person was sent here from (`?next=`). It says why someone is here when a
// session ended, and that a password was reset.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

import { api } from "../api/client";
import { challenge, nextPage, resetUsername } from "../components/people/flow";
import { PasswordField, TextField } from "../components/people/fields";
import { Link, Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { href, location, navigate } from "../router";
import { signInNotice, startSession, tokens } from "../session";
import "./people.css";

export function SignIn() {
  const username = useSignal(resetUsername.value);
  const password = useSignal("");
  const shown = useSignal(false);
  const busy = useSignal(false);
  const failure = useSignal<string | null>(null);
  const usernameInput = useRef<HTMLInputElement>(null);
  const next = nextPage(new URLSearchParams(location.value.search).get("next"));
  const notice = signInNotice.value;

  useEffect(() => {
    // Signed in already (a bookmark, the back button): the portal itself.
    if (tokens.value) navigate(next ?? href("dashboard"), { replace: true });
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    if (busy.value) return;
    busy.value = true;
    failure.value = null;
    try {
      const { data, error } = await api.POST("/auth/login", {
        body: { username: username.value.trim(), password: password.value },
      });
      if (error || !data) {
        failure.value = error?.message ?? t("shell.error");
        password.value = "";
        usernameInput.current?.focus();
        return;
      }
      signInNotice.value = null;
      if (data.challenge === "NEW_PASSWORD_REQUIRED" && data.session) {
        challenge.value = { username: username.value.trim(), session: data.session, next };
        navigate(href("newPassword"));
        return;
      }
      if (data.id_token && data.refresh_token && data.expires_in) {
        startSession({ id_token: data.id_token, refresh_token: data.refresh_token, expires_in: data.expires_in });
        navigate(next ?? href("dashboard"), { replace: true });
        return;
      }
      failure.value = t("shell.error");
    } catch {
      failure.value = t("shell.offline");
    } finally {
      busy.value = false;
    }
  }

  return (
    <div class="narrow">
      <PageHeading>{t("auth.signIn.title")}</PageHeading>
      {notice && <Notice kind={notice === "auth.passwordReset" ? "success" : "status"}>{t(notice)}</Notice>}
      {failure.value && <Notice kind="error">{failure.value}</Notice>}
      <form class="card" noValidate onSubmit={submit}>
        <p>{t("auth.signIn.intro")}</p>
        <TextField
          label={t("auth.username")}
          hint={t("auth.usernameHint")}
          value={username.value}
          onInput={(value) => (username.value = value)}
          inputRef={usernameInput}
          type="email"
          autoComplete="username"
          autoCapitalize="off"
          spellcheck={false}
          required
        />
        <PasswordField
          label={t("auth.password")}
          value={password.value}
          onInput={(value) => (password.value = value)}
          shown={shown.value}
          onShow={(value) => (shown.value = value)}
          autoComplete="current-password"
          required
        />
        <button type="submit" aria-disabled={busy.value}>
          {busy.value ? t("auth.signIn.working") : t("auth.signIn.submit")}
        </button>
        <p class="form-links">
          <Link href={href("forgotPassword")}>{t("auth.signIn.forgot")}</Link>
        </p>
        <p class="hint">{t("auth.signIn.firstTime")}</p>
      </form>
    </div>
  );
}
