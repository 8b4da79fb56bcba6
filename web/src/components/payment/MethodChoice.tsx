// The saved payment methods as radio buttons, and Add New Payment Method as the last choice.
import type { Schemas } from "../../api/client";
import { t } from "../../i18n/i18n";
import { CardDescription } from "./CardDescription";

export const NEW_METHOD = "new";

interface MethodChoiceProps {
  methods: Schemas["PaymentMethodView"][];
  chosen: string;
  onChoose: (id: string) => void;
  error?: string | undefined;
}

export function MethodChoice({ methods, chosen, onChoose, error }: MethodChoiceProps) {
  return (
    <fieldset class="method-choice">
      <legend>{t("payment.method")}</legend>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {methods.length === 0 && <p class="hint">{t("payment.noSaved")}</p>}
      <ul class="choices">
        {methods.map((method) => (
          <li key={method.id}>
            <label class="choice">
              <input
                type="radio"
                name="payment-method"
                value={method.id}
                checked={chosen === method.id}
                // An expired card cannot be charged: it stays listed, flagged, and cannot be chosen.
                disabled={method.expired}
                onChange={() => onChoose(method.id)}
              />
              <CardDescription card={method} autopay={method.autopay} />
            </label>
          </li>
        ))}
        <li>
          <label class="choice">
            <input
              type="radio"
              name="payment-method"
              value={NEW_METHOD}
              checked={chosen === NEW_METHOD}
              onChange={() => onChoose(NEW_METHOD)}
            />
            <span class="card-name">{t("payment.newMethod")}</span>
          </label>
        </li>
      </ul>
    </fieldset>
  );
}

/** The method a payment starts with: the Auto Pay card, else the first card that has not expired, else a
 * new card. */
export function defaultMethod(methods: Schemas["PaymentMethodView"][]): string {
  const usable = methods.filter((method) => !method.expired);
  return (usable.find((method) => method.autopay) ?? usable[0])?.id ?? NEW_METHOD;
}
