// Choosing the card Auto Pay charges: the saved cards as radio buttons (an expired one flagged and not
// selectable), then PUT /autopay. Opened from either Auto Pay tile.
import { useEffect, useId, useRef, useState } from "preact/hooks";

import { api, type Schemas } from "../../api/client";
import { t } from "../../i18n/i18n";
import { href } from "../../router";
import { Link, Notice } from "../ui";
import { CardDescription } from "./CardDescription";

interface PickerProps {
  currentId: string | null;
  submitLabel: string;
  onSaved: (autopay: Schemas["AutopayView"]) => void;
  onCancel: () => void;
}

type Methods = Schemas["PaymentMethodView"][] | "loading" | "failed";

export function AutopayCardPicker({ currentId, submitLabel, onSaved, onCancel }: PickerProps) {
  const name = useId();
  const [methods, setMethods] = useState<Methods>("loading");
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    api
      .GET("/payment-methods")
      .then(({ data }) => {
        const items = data?.items;
        setMethods(items ?? "failed");
        const usable = (items ?? []).filter((method) => !method.expired);
        // The card in use stays chosen until another is picked; else the first card that can be charged.
        setChosen(usable.find((method) => method.id === currentId)?.id ?? usable[0]?.id ?? null);
      })
      .catch(() => setMethods("failed"));
  }, [currentId]);

  // Once the cards are shown, the chosen one takes focus (or the first control, when there is none).
  useEffect(() => {
    if (methods === "loading") return;
    form.current?.querySelector<HTMLElement>("input:checked, input:not([disabled]), a, button")?.focus();
  }, [methods]);

  async function save() {
    if (busy || !chosen) return;
    setBusy(true);
    setError(null);
    const { data, error: refused } = await api
      .PUT("/autopay", { body: { enabled: true, payment_method_id: chosen } })
      .catch(() => ({ data: undefined, error: undefined }));
    setBusy(false);
    if (data) onSaved(data);
    else setError(refused?.message ?? t("shell.offline"));
  }

  if (methods === "loading") return <Notice kind="status">{t("shell.loading")}</Notice>;
  const usable = methods === "failed" ? [] : methods.filter((method) => !method.expired);
  return (
    <form
      ref={form}
      class="autopay-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      {methods === "failed" && <Notice kind="error">{t("shell.error")}</Notice>}
      {methods !== "failed" && usable.length === 0 && (
        <p>
          {t("autopay.noCards")} <Link href={href("payment")}>{t("autopay.addCard")}</Link>
        </p>
      )}
      {methods !== "failed" && methods.length > 0 && (
        <fieldset>
          <legend>{t("autopay.choose")}</legend>
          <ul class="choices">
            {methods.map((method) => (
              <li key={method.id}>
                <label class="choice">
                  <input
                    type="radio"
                    name={name}
                    value={method.id}
                    checked={chosen === method.id}
                    disabled={method.expired}
                    onChange={() => setChosen(method.id)}
                  />
                  <CardDescription card={method} autopay={method.id === currentId} />
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <div class="actions">
        {usable.length > 0 && (
          <button type="submit" aria-disabled={busy ? true : undefined}>
            {submitLabel}
          </button>
        )}
        <button type="button" class="secondary" onClick={onCancel}>
          {t("autopay.cancel")}
        </button>
      </div>
    </form>
  );
}
