// The reset: the username (kept from Forgot Password, or from `?username=` in a link), the emailed code and a
// new password under the same rules as at the first sign-in; then the sign-in page, which says it worked.
import { useSignal } from "@preact/signals";
import { useId, useRef } from "preact/hooks";

import { api } from "../api/client";
import { useAnnouncer } from "../components/people/Announcer";
import { refusal } from "../components/people/errors";
import { resetUsername } from "../components/people/flow";
import { PasswordField, TextField } from "../components/people/fields";
import { PasswordRules, stillNeeded } from "../components/people/PasswordRules";
import { Link, Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { href, location, navigate } from "../router";
import { signInNotice } from "../session";
import "./people.css";

const FIELDS = ["username", "code", "new_password"] as const;

export function ResetPassword() {
  const given = new URLSearchParams(location.value.search).get("username");
  const username = useSignal(given ?? resetUsername.value);
  const code = useSignal("");
  const password = useSignal("");
  const shown = useSignal(false);
  const busy = useSignal(false);
  const failure = useSignal<string | null>(null);
  const errors = useSignal<Record<string, string>>({});
  const inputs = { username: useRef<HTMLInputElement>(null), code: useRef<HTMLInputElement>(null), new_password: useRef<HTMLInputElement>(null) };
  const rulesId = useId();
  const { say, region } = useAnnouncer();

  async function submit(event: Event) {
    event.preventDefault();
    if (busy.value) return;
    failure.value = null;
    const missing = stillNeeded(password.value, username.value);
    errors.value = missing ? { new_password: missing } : {};
    if (missing) {
      say(missing);
      inputs.new_password.current?.focus();
      return;
    }
    busy.value = true;
    try {
      const { data, error } = await api.POST("/auth/reset-password", {
        body: { username: username.value.trim(), code: code.value.trim(), new_password: password.value },
      });
      if (data) {
        resetUsername.value = username.value.trim();
        signInNotice.value = "auth.passwordReset";
        navigate(href("signIn"), { replace: true });
        return;
      }
      if (error) {
        const found = refusal(error);
        errors.value = found.fields;
        failure.value = found.message;
        const first = FIELDS.find((field) => found.fields[field]);
        if (first) inputs[first].current?.focus();
      }
    } catch {
      failure.value = t("shell.offline");
    } finally {
      busy.value = false;
    }
  }

  return (
    <div class="narrow">
      <PageHeading>{t("auth.reset.title")}</PageHeading>
      {failure.value && <Notice kind="error">{failure.value}</Notice>}
      <form class="card" noValidate onSubmit={submit}>
        <p>{t("auth.reset.intro")}</p>
        <TextField
          label={t("auth.username")}
          hint={t("auth.usernameHint")}
          value={username.value}
          onInput={(value) => (username.value = value)}
          error={errors.value["username"]}
          inputRef={inputs.username}
          type="email"
          autoComplete="username"
          autoCapitalize="off"
          spellcheck={false}
          required
        />
        <TextField
          label={t("auth.reset.code")}
          hint={t("auth.reset.codeHint")}
          value={code.value}
          onInput={(value) => (code.value = value)}
          error={errors.value["code"]}
          inputRef={inputs.code}
          inputMode="numeric"
          autoComplete="one-time-code"
          spellcheck={false}
          required
        />
        <PasswordField
          label={t("auth.newPassword.label")}
          value={password.value}
          onInput={(value) => (password.value = value)}
          shown={shown.value}
          onShow={(value) => (shown.value = value)}
          error={errors.value["new_password"]}
          inputRef={inputs.new_password}
          describes={rulesId}
          autoComplete="new-password"
          required
        />
        <PasswordRules id={rulesId} password={password.value} username={username.value} />
        {region}
        <button type="submit" aria-disabled={busy.value}>
          {busy.value ? t("auth.reset.working") : t("auth.reset.submit")}
        </button>
        <p class="form-links">
          <Link href={href("forgotPassword")}>{t("auth.reset.newCode")}</Link>
          <Link href={href("signIn")}>{t("auth.backToSignIn")}</Link>
        </p>
      </form>
    </div>
  );
}
