// Forgot Password: the username, then always the same confirmation, whether or not it has an account (the
// API answers alike, so that nobody learns who has one); then on to entering the emailed code.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

import { api } from "../api/client";
import { refusal } from "../components/people/errors";
import { resetUsername } from "../components/people/flow";
import { TextField } from "../components/people/fields";
import { Link, Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { href } from "../router";
import "./people.css";

export function ForgotPassword() {
  const username = useSignal(resetUsername.value);
  const busy = useSignal(false);
  const failure = useSignal<string | null>(null);
  const fieldError = useSignal<string | null>(null);
  const sent = useSignal<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const confirmation = useRef<HTMLDivElement>(null);

  // The confirmation replaces the form, whose button had the focus: the focus goes to the confirmation, so
  // that it is read and the next step follows it.
  useEffect(() => {
    if (sent.value) confirmation.current?.focus();
  }, [sent.value]);

  async function submit(event: Event) {
    event.preventDefault();
    if (busy.value) return;
    busy.value = true;
    failure.value = null;
    fieldError.value = null;
    try {
      const { data, error } = await api.POST("/auth/forgot-password", { body: { username: username.value.trim() } });
      if (data) {
        resetUsername.value = username.value.trim();
        sent.value = data.message;
      } else if (error) {
        const found = refusal(error);
        failure.value = found.message;
        fieldError.value = found.fields["username"] ?? null;
        input.current?.focus();
      }
    } catch {
      failure.value = t("shell.offline");
    } finally {
      busy.value = false;
    }
  }

  return (
    <div class="narrow">
      <PageHeading>{t("auth.forgot.title")}</PageHeading>
      {sent.value ? (
        <div ref={confirmation} tabIndex={-1} class="confirmation">
          <Notice kind="success">{sent.value}</Notice>
          <p>
            <Link class="button" href={href("resetPassword")}>
              {t("auth.forgot.enterCode")}
            </Link>
          </p>
          <p>
            <Link href={href("signIn")}>{t("auth.backToSignIn")}</Link>
          </p>
        </div>
      ) : (
        <>
          {failure.value && <Notice kind="error">{failure.value}</Notice>}
          <form class="card" noValidate onSubmit={submit}>
            <p>{t("auth.forgot.intro")}</p>
            <TextField
              label={t("auth.username")}
              hint={t("auth.usernameHint")}
              value={username.value}
              onInput={(value) => (username.value = value)}
              error={fieldError.value}
              inputRef={input}
              type="email"
              autoComplete="username"
              autoCapitalize="off"
              spellcheck={false}
              required
            />
            <button type="submit" aria-disabled={busy.value}>
              {busy.value ? t("auth.forgot.working") : t("auth.forgot.submit")}
            </button>
            <p class="form-links">
              <Link href={href("resetPassword")}>{t("auth.forgot.haveCode")}</Link>
              <Link href={href("signIn")}>{t("auth.backToSignIn")}</Link>
            </p>
          </form>
        </>
      )}
    </div>
  );
}
