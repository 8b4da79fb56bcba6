// Add New Payment Method: the card (the processor's fields), the billing address, the billing email and
// Save Payment Method.
import { useId } from "preact/hooks";

import { t } from "../../i18n/i18n";
import { PROVINCES, type NewCardForm } from "./newCard";
import type { FormField } from "./outcome";
import { Field } from "../ui";

export type FieldErrors = Partial<Record<FormField, string>>;

interface NewCardFieldsProps {
  form: NewCardForm;
  errors: FieldErrors;
  cardError: string | null;
  onChange: (changes: Partial<NewCardForm>) => void;
}

export function NewCardFields({ form, errors, cardError, onChange }: NewCardFieldsProps) {
  const text = (name: keyof NewCardForm) => ({
    value: form[name] as string,
    onInput: (event: Event) => onChange({ [name]: (event.currentTarget as HTMLInputElement).value }),
  });
  return (
    <div class="new-method">
      {/* The processor's hosted card fields stand here (locally, these inputs and cardFields.ts). */}
      <fieldset>
        <legend>{t("payment.card")}</legend>
        <p class="hint">{t("payment.cardPrivacy")}</p>
        {cardError && <p class="field-error" role="alert">{cardError}</p>}
        <Field label={t("payment.cardNumber")} error={errors.number} autocomplete="cc-number" inputMode="numeric" {...text("number")} />
        <div class="field-row">
          <Field
            label={t("payment.cardExpiry")}
            hint={t("payment.cardExpiryHint")}
            error={errors.expiry}
            autocomplete="cc-exp"
            inputMode="numeric"
            {...text("expiry")}
          />
          <Field
            label={t("payment.cardCvc")}
            hint={t("payment.cardCvcHint")}
            error={errors.cvc}
            autocomplete="cc-csc"
            inputMode="numeric"
            {...text("cvc")}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>{t("payment.billingAddress")}</legend>
        <p class="hint">{t("payment.billingAddressHint")}</p>
        <Field label={t("payment.line1")} error={errors.line1} autocomplete="billing address-line1" {...text("line1")} />
        <Field label={t("payment.line2")} error={errors.line2} autocomplete="billing address-line2" {...text("line2")} />
        <Field label={t("payment.city")} error={errors.city} autocomplete="billing address-level2" {...text("city")} />
        <ProvinceField value={form.province} error={errors.province} onChange={(province) => onChange({ province })} />
        <Field label={t("payment.postalCode")} error={errors.postalCode} autocomplete="billing postal-code" {...text("postalCode")} />
      </fieldset>
      <Field
        type="email"
        label={t("payment.billingEmail")}
        hint={t("payment.billingEmailHint")}
        error={errors.billingEmail}
        autocomplete="email"
        {...text("billingEmail")}
      />
      <SaveCheckbox checked={form.save} onChange={(save) => onChange({ save })} />
    </div>
  );
}

function ProvinceField({ value, error, onChange }: { value: string; error?: string | undefined; onChange: (code: string) => void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{t("payment.province")}</label>
      <select
        id={id}
        value={value}
        autocomplete="billing address-level1"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        {PROVINCES.map((code) => (
          <option key={code} value={code}>
            {t(`payment.province.${code}`)}
          </option>
        ))}
      </select>
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function SaveCheckbox({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div class="check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        aria-describedby={`${id}-hint`}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
      <label for={id}>{t("payment.save")}</label>
      <p id={`${id}-hint`} class="hint">
        {t("payment.saveHint")}
      </p>
    </div>
  );
}
