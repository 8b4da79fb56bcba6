// The first sign-in: the person replaces the temporary password with one of their own. The rules are listed
// and checked as they type; the API's refusal says which rule failed.
import { useSignal } from "@preact/signals";
import { useId, useRef } from "preact/hooks";

import { api } from "../api/client";
import { useAnnouncer } from "../components/people/Announcer";
import { refusal } from "../components/people/errors";
import { challenge } from "../components/people/flow";
import { PasswordField } from "../components/people/fields";
import { PasswordRules, stillNeeded } from "../components/people/PasswordRules";
import { Link, Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { href, navigate } from "../router";
import { startSession } from "../session";
import "./people.css";

export function NewPassword() {
  const pending = challenge.value;
  if (!pending) {
    // A reload, or a visit without signing in: the challenge lived in memory only.
    return (
      <div class="narrow">
        <PageHeading>{t("auth.newPassword.title")}</PageHeading>
        <Notice kind="status">{t("auth.newPassword.missing")}</Notice>
        <p>
          <Link href={href("signIn")}>{t("auth.backToSignIn")}</Link>
        </p>
      </div>
    );
  }
  return <NewPasswordForm username={pending.username} session={pending.session} next={pending.next} />;
}

function NewPasswordForm({ username, session, next }: { username: string; session: string; next: string | null }) {
  const password = useSignal("");
  const shown = useSignal(false);
  const busy = useSignal(false);
  const failure = useSignal<string | null>(null);
  const fieldError = useSignal<string | null>(null);
  const expired = useSignal(false);
  const input = useRef<HTMLInputElement>(null);
  const rulesId = useId();
  const { say, region } = useAnnouncer();

  async function submit(event: Event) {
    event.preventDefault();
    if (busy.value) return;
    failure.value = null;
    const missing = stillNeeded(password.value, username);
    fieldError.value = missing;
    if (missing) {
      say(missing);
      input.current?.focus();
      return;
    }
    busy.value = true;
    try {
      const { data, error } = await api.POST("/auth/new-password", {
        body: { username, session, new_password: password.value },
      });
      if (data) {
        challenge.value = null;
        startSession(data);
        navigate(next ?? href("dashboard"), { replace: true });
        return;
      }
      if (error) {
        const found = refusal(error);
        failure.value = found.message;
        fieldError.value = found.fields["new_password"] ?? null;
        // The challenge lasts a few minutes: past them, only a new sign-in helps.
        expired.value = error.code === "not_signed_in";
        if (fieldError.value) input.current?.focus();
      }
    } catch {
      failure.value = t("shell.offline");
    } finally {
      busy.value = false;
    }
  }

  return (
    <div class="narrow">
      <PageHeading>{t("auth.newPassword.title")}</PageHeading>
      {failure.value && <Notice kind="error">{failure.value}</Notice>}
      {expired.value && (
        <p>
          <Link href={href("signIn")}>{t("auth.backToSignIn")}</Link>
        </p>
      )}
      <form class="card" noValidate onSubmit={submit}>
        <p>{t("auth.newPassword.intro", { username })}</p>
        {/* For password managers: the account the new password belongs to. */}
        <input type="hidden" name="username" autoComplete="username" value={username} />
        <PasswordField
          label={t("auth.newPassword.label")}
          value={password.value}
          onInput={(value) => (password.value = value)}
          shown={shown.value}
          onShow={(value) => (shown.value = value)}
          error={fieldError.value}
          inputRef={input}
          describes={rulesId}
          autoComplete="new-password"
          required
        />
        <PasswordRules id={rulesId} password={password.value} username={username} />
        {region}
        <button type="submit" aria-disabled={busy.value}>
          {busy.value ? t("auth.newPassword.working") : t("auth.newPassword.submit")}
        </button>
      </form>
    </div>
  );
}
