// The history's filters: any of the four types (none checked is every type) and a date range, applied
// together with one button, so the table does not change under a keyboard or screen reader user while
// they are still choosing.
import { useSignal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";

import type { ApiError } from "../../api/client";
import { t } from "../../i18n/i18n";
import type { MessageKey } from "../../i18n/catalogue";
import { datesReversed, ENTRY_TYPES, NO_FILTERS, writeFilters, type EntryType, type HistoryFilters } from "./historyQuery";
import { fieldMessage } from "./outcome";

const TYPE_LABELS: Record<EntryType, MessageKey> = {
  invoice: "dashboard.filters.invoice",
  payment: "dashboard.filters.payment",
  credit: "dashboard.filters.credit",
  refund: "dashboard.filters.refund",
};

interface Props {
  applied: HistoryFilters;
  /** The API's refusal of the last filters, whose field messages go next to their fields. */
  error: ApiError | null;
  onApply: (filters: HistoryFilters) => void;
}

export function HistoryFiltersForm({ applied, error, onApply }: Props) {
  const types = useSignal<EntryType[]>(applied.types);
  const from = useSignal(applied.from);
  const to = useSignal(applied.to);
  const reversed = useSignal(false);
  const toInput = useRef<HTMLInputElement>(null);
  const appliedKey = writeFilters(applied);

  // Filters applied from elsewhere (Clear, the address) show in the form.
  useEffect(() => {
    types.value = applied.types;
    from.value = applied.from;
    to.value = applied.to;
    reversed.value = false;
  }, [appliedKey]);

  const toggle = (type: EntryType, checked: boolean) => {
    types.value = checked ? [...types.value, type] : types.value.filter((other) => other !== type);
  };

  return (
    <form
      class="card history-filters"
      aria-labelledby="history-filters-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const chosen = { ...applied, types: types.value, from: from.value, to: to.value };
        reversed.value = datesReversed(chosen);
        // The field at fault takes focus, so its error is read out with it.
        if (reversed.value) toInput.current?.focus();
        else onApply(chosen);
      }}
    >
      <h3 id="history-filters-title">{t("dashboard.filters.title")}</h3>
      <div class="filter-groups">
        <fieldset aria-describedby="history-type-hint">
          <legend>{t("dashboard.filters.type")}</legend>
          <p id="history-type-hint" class="hint">
            {t("dashboard.filters.typeHint")}
          </p>
          <div class="checkboxes">
            {ENTRY_TYPES.map((type) => (
              <label key={type} class="checkbox">
                <input
                  type="checkbox"
                  name="type"
                  value={type}
                  checked={types.value.includes(type)}
                  onChange={(event) => toggle(type, event.currentTarget.checked)}
                />{" "}
                {t(TYPE_LABELS[type])}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset class="date-range">
          <legend>{t("dashboard.filters.dates")}</legend>
          <DateField
            label={t("dashboard.filters.from")}
            name="from"
            value={from.value}
            error={fieldMessage(error, "from")}
            onInput={(value) => (from.value = value)}
          />
          <DateField
            label={t("dashboard.filters.to")}
            name="to"
            inputRef={toInput}
            value={to.value}
            error={reversed.value ? t("dashboard.filters.datesReversed") : fieldMessage(error, "to")}
            onInput={(value) => (to.value = value)}
          />
        </fieldset>
      </div>
      <div class="actions">
        <button type="submit">{t("dashboard.filters.apply")}</button>
        <button type="button" class="secondary" onClick={() => onApply({ ...NO_FILTERS, pageSize: applied.pageSize })}>
          {t("dashboard.filters.clear")}
        </button>
      </div>
    </form>
  );
}

interface DateFieldProps {
  label: string;
  name: string;
  inputRef?: RefObject<HTMLInputElement>;
  value: string;
  error: string | null;
  onInput: (value: string) => void;
}

/** A date input with its label and its error, tied together for assistive technology. */
function DateField({ label, name, inputRef, value, error, onInput }: DateFieldProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        ref={inputRef}
        id={id}
        type="date"
        name={name}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
