// Edit Profile: the account's billing address, time zone, billing contacts and default language, read from
// GET /account and saved with PATCH /account/profile; each refusal is shown next to its field.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

import { api } from "../api/client";
import { ContactsField } from "../components/people/ContactsField";
import { refusal, unplaced } from "../components/people/errors";
import { SelectField, TextField } from "../components/people/fields";
import { LiveStatus } from "../components/people/LiveStatus";
import { languageName, provinceChoices, zoneChoices } from "../components/people/places";
import { type Profile, profileOf, profileUpdate } from "../components/people/profile";
import { Link, Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { href } from "../router";
import "./people.css";

const ADDRESS_FIELDS = ["line1", "line2", "city", "province", "postal_code"] as const;
const SHOWN = [...ADDRESS_FIELDS.map((field) => `billing_address.${field}`), "time_zone", "language"];

export function EditProfile() {
  const profile = useSignal<Profile | null>(null);
  const loadFailure = useSignal<string | null>(null);
  const busy = useSignal(false);
  const failure = useSignal<string | null>(null);
  const errors = useSignal<Record<string, string>>({});
  const status = useSignal<string | null>(null);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    api
      .GET("/account")
      .then(({ data, error }) => {
        if (data) profile.value = profileOf(data);
        else loadFailure.value = error?.message ?? t("shell.error");
      })
      .catch(() => (loadFailure.value = t("shell.offline")));
  }, []);

  const current = profile.value;
  if (!current) {
    return (
      <>
        <PageHeading>{t("profile.title")}</PageHeading>
        {loadFailure.value ? <Notice kind="error">{loadFailure.value}</Notice> : <p>{t("shell.loading")}</p>}
      </>
    );
  }

  const set = <Key extends keyof Profile>(key: Key) => (value: Profile[Key]) => {
    if (profile.value) profile.value = { ...profile.value, [key]: value };
  };
  const error = (field: string) => errors.value[field] ?? null;

  async function submit(event: Event) {
    event.preventDefault();
    if (busy.value || !profile.value) return;
    busy.value = true;
    failure.value = null;
    status.value = null;
    errors.value = {};
    try {
      const { data, error: refused } = await api.PATCH("/account/profile", { body: profileUpdate(profile.value) });
      if (data) {
        profile.value = profileOf(data);
        status.value = t("profile.saved");
        return;
      }
      if (refused) {
        const found = refusal(refused);
        errors.value = found.fields;
        const contactProblems = Object.keys(found.fields).filter((field) => field.startsWith("billing_contacts"));
        const elsewhere = unplaced(found.fields, [...SHOWN, ...contactProblems]);
        failure.value = [found.message, ...elsewhere.filter((said) => !found.message.includes(said))].join(" ");
        // The first field at fault takes the focus, so its error is read with it.
        requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      }
    } catch {
      failure.value = t("shell.offline");
    } finally {
      busy.value = false;
    }
  }

  return (
    <>
      <PageHeading>{t("profile.title")}</PageHeading>
      <p>{t("profile.intro")}</p>
      <LiveStatus message={status.value} />
      {failure.value && <Notice kind="error">{failure.value}</Notice>}
      <form ref={form} class="card profile-form" noValidate onSubmit={submit}>
        <fieldset>
          <legend>{t("profile.address")}</legend>
          <TextField
            label={t("profile.line1")}
            value={current.line1}
            onInput={set("line1")}
            error={error("billing_address.line1")}
            autoComplete="address-line1"
            maxLength={100}
            required
          />
          <TextField
            label={t("profile.line2")}
            value={current.line2}
            onInput={set("line2")}
            error={error("billing_address.line2")}
            autoComplete="address-line2"
            maxLength={100}
          />
          <TextField
            label={t("profile.city")}
            value={current.city}
            onInput={set("city")}
            error={error("billing_address.city")}
            autoComplete="address-level2"
            maxLength={100}
            required
          />
          <SelectField
            label={t("profile.province")}
            value={current.province}
            choices={provinceChoices()}
            onChange={set("province")}
            error={error("billing_address.province")}
            autoComplete="address-level1"
            required
          />
          <TextField
            label={t("profile.postalCode")}
            hint={t("profile.postalCodeHint")}
            value={current.postal_code}
            onInput={set("postal_code")}
            error={error("billing_address.postal_code")}
            autoComplete="postal-code"
            autoCapitalize="characters"
            maxLength={7}
            class="short"
            required
          />
        </fieldset>
        <SelectField
          label={t("profile.timeZone")}
          value={current.time_zone}
          choices={zoneChoices(current.time_zone)}
          onChange={set("time_zone")}
          error={error("time_zone")}
          required
        />
        <ContactsField
          contacts={current.billing_contacts}
          onChange={set("billing_contacts")}
          errors={errors.value}
        />
        <fieldset aria-describedby="profile-language-hint">
          <legend>{t("profile.language")}</legend>
          <p id="profile-language-hint" class="hint">
            {t("profile.languageHint")}
          </p>
          {(["en", "fr"] as const).map((code) => (
            <div class="checkbox-line" key={code}>
              <input
                type="radio"
                id={`profile-language-${code}`}
                name="profile-language"
                value={code}
                checked={current.language === code}
                onChange={() => set("language")(code)}
              />
              <label for={`profile-language-${code}`}>{languageName(code)}</label>
            </div>
          ))}
          {error("language") && <p class="field-error">{error("language")}</p>}
        </fieldset>
        <div class="form-actions">
          <button type="submit" aria-disabled={busy.value}>
            {busy.value ? t("profile.saving") : t("profile.save")}
          </button>
          <Link href={href("dashboard")}>{t("shell.backToDashboard")}</Link>
        </div>
      </form>
    </>
  );
}
