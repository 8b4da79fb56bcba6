// A text input with its label, hint and error tied together (as ui.tsx's Field), taking every input
// attribute a card or address field needs: type, autocomplete, inputmode.
import type { JSX } from "preact";
import { useId } from "preact/hooks";

interface TextFieldProps extends Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "label"> {
  label: string;
  hint?: string | undefined;
  error?: string | null | undefined;
}

export function TextField({ label, hint, error, ...input }: TextFieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described || undefined} {...input} />
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
