// Make a Payment's form: the amount (the balance to begin with), the method (a saved card or a new one),
// and Pay. Each attempt sends one Idempotency-Key, reused when Pay is clicked again or the attempt retried,
// so a double click or a retry never charges twice.
import { useEffect, useRef, useState } from "preact/hooks";

import type { ApiError, Schemas } from "../../api/client";
import { language, longDate, money, t } from "../../i18n/i18n";
import { href, navigate } from "../../router";
import { amountForInput, readAmount } from "./amount";
import { PaymentAttempts } from "./attempt";
import { forgetCard, tokenizeCard } from "./cardFields";
import { cardLabel } from "./cards";
import { defaultMethod, MethodChoice, NEW_METHOD } from "./MethodChoice";
import { billingOf, checkNewCard, newCardForm, type NewCardForm, withoutCard } from "./newCard";
import { type FieldErrors, NewCardFields } from "./NewCardFields";
import { formFieldOf, type Outcome } from "./outcome";
import { PaymentNotice, type Phase } from "./PaymentNotice";
import { paymentNow, saveMethod, sendPayment } from "./requests";
import { Field } from "../ui";

/** How long the success message shows before the portal returns to the dashboard. */
export const RETURN_AFTER_MS = 3000;
/** How often, and how many times, a pending payment is looked at again. */
const PENDING_POLL_MS = 5000;
const PENDING_POLLS = 60;

interface PaymentFormProps {
  account: Schemas["Dashboard"];
  savedMethods: Schemas["PaymentMethodView"][];
  topUserEmail: string;
}

export function PaymentForm({ account, savedMethods, topUserEmail }: PaymentFormProps) {
  const balance = account.current_balance.amount;
  const [amountText, setAmountText] = useState(Number(balance) > 0 ? amountForInput(balance, language.value) : "");
  const [methods, setMethods] = useState(savedMethods);
  const [chosen, setChosen] = useState(() => defaultMethod(savedMethods));
  const [card, setCard] = useState<NewCardForm>(() => newCardForm(account.billing_address, topUserEmail));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [cardError, setCardError] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [focusTarget, setFocusTarget] = useState<{ selector: string } | null>(null);
  const attempts = useRef(new PaymentAttempts());
  const form = useRef<HTMLFormElement>(null);

  const busy = phase.kind === "sending" || phase.kind === "saving";
  const done = phase.kind === "approved" || phase.kind === "pending";

  // After a refusal, the first field at fault takes focus, which reads its error out.
  useEffect(() => {
    if (focusTarget) form.current?.querySelector<HTMLElement>(focusTarget.selector)?.focus();
  }, [focusTarget]);

  // Approved: the success message shows for a moment, then the dashboard with the new balance.
  useEffect(() => {
    if (phase.kind !== "approved") return;
    const timer = setTimeout(() => navigate(href("dashboard")), RETURN_AFTER_MS);
    return () => clearTimeout(timer);
  }, [phase.kind]);

  // Pending: the bank's answer shows here when it comes (the page may be left at any time).
  const pendingId = phase.kind === "pending" ? phase.payment.id : null;
  useEffect(() => {
    if (!pendingId) return;
    let polls = 0;
    const timer = setInterval(async () => {
      polls += 1;
      if (polls >= PENDING_POLLS) clearInterval(timer);
      const now = await paymentNow(pendingId);
      if (now && now.kind !== "pending") show(now);
    }, PENDING_POLL_MS);
    return () => clearInterval(timer);
  }, [pendingId]);

  function refuseFields(problems: FieldErrors): boolean {
    setErrors(problems);
    if (Object.keys(problems).length === 0) return false;
    setPhase({ kind: "idle" });
    setFocusTarget({ selector: '[aria-invalid="true"]' });
    return true;
  }

  /** An API refusal: its field details next to their fields, else its sentence. */
  function refused(error: ApiError | null, fallback: "shell.error" | "shell.offline" = "shell.error") {
    const fields: FieldErrors = {};
    for (const detail of error?.details ?? []) {
      const field = formFieldOf(detail.field);
      if (field) fields[field] = detail.message;
    }
    if (!refuseFields(fields)) setPhase({ kind: "failed", message: error?.message || t(fallback) });
  }

  function show(outcome: Outcome) {
    if (outcome.kind !== "lost") attempts.current.finished();
    if (outcome.kind === "approved" || outcome.kind === "pending") {
      forgetCard();
      setPhase({ kind: outcome.kind, payment: outcome.payment });
    } else if (outcome.kind === "declined") {
      setPhase({ kind: "declined", message: outcome.message || t("payment.declined") });
    } else if (outcome.kind === "refused") {
      refused(outcome.error);
    } else {
      refused(outcome.error, outcome.error ? "shell.error" : "shell.offline");
    }
  }

  /** The new card's problems (checked here first), then its token from the processor; null if refused. */
  async function newCardToken(): Promise<string | null> {
    const token = await tokenizeCard(card);
    if ("token" in token) return token.token;
    setPhase({ kind: "idle" });
    setCardError(token.message || t(token.final ? "shell.error" : "shell.offline"));
    setFocusTarget({ selector: 'input[autocomplete="cc-number"]' });
    return null;
  }

  function fieldProblems(withAmount: boolean): FieldErrors {
    const problems: FieldErrors = {};
    if (withAmount) {
      const read = readAmount(amountText);
      if ("problem" in read) {
        problems.amount = t(
          read.problem === "zero" ? "payment.zero" : read.problem === "missing" ? "payment.amountMissing" : "payment.amountInvalid",
        );
      }
    }
    if (chosen === NEW_METHOD) {
      for (const [field, key] of Object.entries(checkNewCard(card))) problems[field as keyof FieldErrors] = t(key);
    }
    return problems;
  }

  async function pay() {
    if (busy || done) return; // a second click while the first is on its way does nothing
    setCardError(null);
    if (refuseFields(fieldProblems(true))) return;
    const read = readAmount(amountText);
    if (!("amount" in read)) return;
    setPhase({ kind: "sending" });
    let body: Schemas["PaymentRequest"];
    if (chosen === NEW_METHOD) {
      const token = await newCardToken();
      if (!token) return;
      body = { amount: read.amount, new_payment_method: { token, ...billingOf(card), save: card.save } };
    } else {
      body = { amount: read.amount, payment_method_id: chosen };
    }
    show(await sendPayment(body, attempts.current.keyFor(JSON.stringify(body))));
  }

  async function saveOnly() {
    if (busy || done) return;
    setCardError(null);
    if (refuseFields(fieldProblems(false))) return;
    setPhase({ kind: "saving" });
    const token = await newCardToken();
    if (!token) return;
    const saved = await saveMethod({ token, ...billingOf(card) });
    if ("error" in saved) {
      refused(saved.error);
      return;
    }
    forgetCard();
    setMethods([...methods, saved.method]);
    setChosen(saved.method.id);
    setCard(withoutCard(card));
    setPhase({ kind: "saved", card: cardLabel(saved.method) });
    setFocusTarget({ selector: `input[value="${saved.method.id}"]` });
  }

  return (
    <form
      ref={form}
      class="payment-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void pay();
      }}
    >
      <Field
        label={t("payment.amount")}
        hint={`${balanceHint(account.current_balance)} ${t("payment.amountFormat")}`}
        error={errors.amount}
        inputMode="decimal"
        autocomplete="transaction-amount"
        value={amountText}
        onInput={(event) => setAmountText(event.currentTarget.value)}
      />
      <MethodChoice methods={methods} chosen={chosen} onChoose={setChosen} error={errors.method} />
      {chosen === NEW_METHOD && (
        <NewCardFields form={card} errors={errors} cardError={cardError} onChange={(changes) => setCard({ ...card, ...changes })} />
      )}
      <PaymentNotice phase={phase} />
      <div class="actions">
        <button
          type="submit"
          class={phase.kind === "approved" ? "pay success" : "pay"}
          // aria-disabled, not disabled: the button keeps focus, and a click while busy is ignored above.
          aria-disabled={busy || done ? true : undefined}
        >
          {t("payment.pay")}
        </button>
        {chosen === NEW_METHOD && (
          <button type="button" class="secondary" aria-disabled={busy || done ? true : undefined} onClick={() => void saveOnly()}>
            {t("payment.saveOnly")}
          </button>
        )}
      </div>
    </form>
  );
}

function balanceHint(balance: Schemas["CurrentBalance"]): string {
  if (Number(balance.amount) < 0) return t("payment.balanceCredit", { credit: money(balance.amount.replace("-", "")) });
  if (balance.due_date) return t("payment.balanceDue", { balance: money(balance.amount), dueDate: longDate(balance.due_date) });
  return t("payment.balance", { balance: money(balance.amount) });
}
