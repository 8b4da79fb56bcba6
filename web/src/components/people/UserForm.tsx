// The New User form, and the same form to edit a user (whose username is then read-only). Saved with the
// green checkmark, left with the red X, as the help centre describes.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

import { api, type Schemas } from "../../api/client";
import { language, t } from "../../i18n/i18n";
import { me } from "../../state";
import { Notice } from "../ui";
import { refusal } from "./errors";
import { CheckboxField, SelectField, TextField } from "./fields";
import { CheckIcon, CrossIcon } from "./icons";
import { languageName, zoneChoices } from "./places";

type User = Schemas["UserView"];
type Draft = Pick<User, "username" | "first_name" | "last_name" | "time_zone" | "notifications_enabled" | "language">;

interface Props {
  /** The user to edit; none for a new user. */
  user: User | null;
  onSaved: (user: User, created: boolean) => void;
  onCancel: () => void;
}

/** Only what the form edits: the API refuses any other field. */
function draftOf(user: User): Draft {
  const { username, first_name, last_name, time_zone, notifications_enabled, language } = user;
  return { username, first_name, last_name, time_zone, notifications_enabled, language };
}

function blank(): Draft {
  return {
    username: "",
    first_name: "",
    last_name: "",
    time_zone: me.value?.time_zone ?? "",
    notifications_enabled: false,
    language: language.value,
  };
}

export function UserForm({ user, onSaved, onCancel }: Props) {
  const draft = useSignal<Draft>(user ? draftOf(user) : blank());
  const busy = useSignal(false);
  const failure = useSignal<string | null>(null);
  const errors = useSignal<Record<string, string>>({});
  const first = useRef<HTMLInputElement>(null);
  const usernameInput = useRef<HTMLInputElement>(null);
  const heading = user ? t("users.form.editTitle", { name: `${user.first_name} ${user.last_name}` }) : t("users.form.newTitle");

  useEffect(() => (user ? first.current : usernameInput.current)?.focus(), [user?.username]);

  const set = <Key extends keyof Draft>(key: Key) => (value: Draft[Key]) => {
    draft.value = { ...draft.value, [key]: value };
  };

  async function submit(event: Event) {
    event.preventDefault();
    if (busy.value) return;
    busy.value = true;
    failure.value = null;
    errors.value = {};
    const { username, ...changes } = draft.value;
    const trimmed = { ...changes, first_name: changes.first_name.trim(), last_name: changes.last_name.trim() };
    try {
      const { data, error } = user
        ? await api.PATCH("/users/{username}", { params: { path: { username: user.username } }, body: trimmed })
        : await api.POST("/users", { body: { username: username.trim(), ...trimmed } });
      if (data) {
        onSaved(data, !user);
        return;
      }
      if (error) {
        const found = refusal(error);
        failure.value = found.message;
        errors.value = found.fields;
        // A taken username is the username's fault though the answer names no field.
        if (found.fields["username"] || error.code === "conflict") usernameInput.current?.focus();
        else if (Object.keys(found.fields).length) first.current?.focus();
      }
    } catch {
      failure.value = t("shell.offline");
    } finally {
      busy.value = false;
    }
  }

  const values = draft.value;
  return (
    <form class="card user-form" noValidate onSubmit={submit} aria-labelledby="user-form-title">
      <h2 id="user-form-title">{heading}</h2>
      {failure.value && <Notice kind="error">{failure.value}</Notice>}
      <p class="hint">{t("users.form.allRequired")}</p>
      <div class="form-grid">
        <TextField
          label={t("users.form.username")}
          hint={user ? t("users.form.usernameFixed") : t("users.form.usernameHint")}
          value={values.username}
          onInput={set("username")}
          error={errors.value["username"]}
          inputRef={usernameInput}
          type="email"
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          readOnly={user !== null}
          required
        />
        <TextField
          label={t("users.form.firstName")}
          value={values.first_name}
          onInput={set("first_name")}
          error={errors.value["first_name"]}
          inputRef={first}
          autoComplete="off"
          maxLength={60}
          required
        />
        <TextField
          label={t("users.form.lastName")}
          value={values.last_name}
          onInput={set("last_name")}
          error={errors.value["last_name"]}
          autoComplete="off"
          maxLength={60}
          required
        />
        <SelectField
          label={t("users.form.timeZone")}
          value={values.time_zone}
          choices={zoneChoices(values.time_zone)}
          placeholder={t("users.form.chooseZone")}
          onChange={set("time_zone")}
          error={errors.value["time_zone"]}
          required
        />
        <SelectField
          label={t("users.form.language")}
          value={values.language}
          choices={(["en", "fr"] as const).map((code) => ({ value: code, label: languageName(code) }))}
          onChange={(value) => set("language")(value === "fr" ? "fr" : "en")}
          error={errors.value["language"]}
          required
        />
      </div>
      <CheckboxField
        label={t("users.form.notifications")}
        hint={t("users.form.notificationsHint")}
        checked={values.notifications_enabled}
        onChange={set("notifications_enabled")}
      />
      <div class="form-actions">
        <button type="submit" class="success" aria-disabled={busy.value}>
          <CheckIcon /> {busy.value ? t("users.form.saving") : t("users.form.save")}
        </button>
        <button type="button" class="secondary cancel" onClick={onCancel}>
          <CrossIcon class="cancel-icon" /> {t("users.form.cancel")}
        </button>
      </div>
    </form>
  );
}
