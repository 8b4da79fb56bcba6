// Form controls the shared `Field` does not cover: a select, a checkbox with its hint, and a password with
// a "show" switch; each tied to its label, hint and error for assistive technology.
import type { ComponentChildren, InputHTMLAttributes, Ref, SelectHTMLAttributes } from "preact";
import { useId } from "preact/hooks";

import { t } from "../../i18n/i18n";

function describedBy(id: string, hint: unknown, error: unknown, extra?: string): string | undefined {
  return [hint ? `${id}-hint` : "", error ? `${id}-error` : "", extra ?? ""].filter(Boolean).join(" ") || undefined;
}

function Hint({ id, children }: { id: string; children: ComponentChildren }) {
  return children ? (
    <p id={`${id}-hint`} class="hint">
      {children}
    </p>
  ) : null;
}

function FieldError({ id, error }: { id: string; error: string | null | undefined }) {
  return error ? (
    <p id={`${id}-error`} class="field-error">
      {error}
    </p>
  ) : null;
}

interface SelectProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "label" | "value" | "onChange"> {
  label: string;
  hint?: string;
  error?: string | null;
  value: string;
  choices: readonly { value: string; label: string }[];
  placeholder?: string;
  onChange: (value: string) => void;
  selectRef?: Ref<HTMLSelectElement>;
}

export function SelectField({ label, hint, error, value, choices, placeholder, onChange, selectRef, ...select }: SelectProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <Hint id={id}>{hint}</Hint>
      <select
        id={id}
        ref={selectRef}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(event) => onChange(event.currentTarget.value)}
        {...select}
      >
        {placeholder !== undefined && (
          <option value="" disabled>
            {placeholder}
          </option>
        )}
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
      <FieldError id={id} error={error} />
    </div>
  );
}

interface CheckboxProps {
  label: string;
  hint?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}

export function CheckboxField({ label, hint, checked, onChange }: CheckboxProps) {
  const id = useId();
  return (
    <div class="field checkbox-field">
      <div class="checkbox-line">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          aria-describedby={describedBy(id, hint, null)}
          onChange={(event) => onChange(event.currentTarget.checked)}
        />
        <label for={id}>{label}</label>
      </div>
      <Hint id={id}>{hint}</Hint>
    </div>
  );
}

interface TextProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "label" | "value" | "onInput"> {
  label: string;
  hint?: string;
  error?: string | null;
  value: string;
  onInput: (value: string) => void;
  inputRef?: Ref<HTMLInputElement>;
  describes?: string;
  after?: ComponentChildren;
}

/** A text input; `describes` adds the id of more help (a password's rules), `after` what follows it. */
export function TextField({ label, hint, error, value, onInput, inputRef, describes, after, ...input }: TextProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <Hint id={id}>{hint}</Hint>
      <input
        id={id}
        ref={inputRef}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error, describes)}
        onInput={(event) => onInput(event.currentTarget.value)}
        {...input}
      />
      <FieldError id={id} error={error} />
      {after}
    </div>
  );
}

/** A password, hidden unless the person chooses to see what they type. */
export function PasswordField(props: Omit<TextProps, "type" | "after"> & { shown: boolean; onShow: (shown: boolean) => void }) {
  const { shown, onShow, ...field } = props;
  const id = useId();
  return (
    <TextField
      {...field}
      type={shown ? "text" : "password"}
      spellcheck={false}
      autoCapitalize="off"
      after={
        <div class="checkbox-line show-password">
          <input id={id} type="checkbox" checked={shown} onChange={(event) => onShow(event.currentTarget.checked)} />
          <label for={id}>{t("auth.showPassword")}</label>
        </div>
      }
    />
  );
}
