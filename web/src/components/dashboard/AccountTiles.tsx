// The dashboard's own tiles (the help centre's Current Balance, Last Payment and Billing Address); the two
// Auto Pay tiles are the payment feature's.
import type { Schemas } from "../../api/client";
import { longDate, money, t } from "../../i18n/i18n";
import { href } from "../../router";
import { Link } from "../ui";

type Dashboard = Schemas["Dashboard"];

/** What is owed and when; a negative balance is a credit, said as one. */
export function CurrentBalanceTile({ balance }: { balance: Dashboard["current_balance"] }) {
  const amount = Number(balance.amount);
  return (
    <section class="card tile balance-tile">
      <h2>{t("dashboard.balance.title")}</h2>
      {amount < 0 ? (
        <>
          <p class="figure">{t("dashboard.balance.credit", { amount: money(-amount) })}</p>
          <p>{t("dashboard.balance.creditNote")}</p>
        </>
      ) : (
        <>
          <p class="figure">{money(balance.amount)}</p>
          {amount === 0 ? (
            <p>{t("dashboard.balance.nothingDue")}</p>
          ) : (
            balance.due_date && <p>{t("dashboard.balance.due", { date: longDate(balance.due_date) })}</p>
          )}
        </>
      )}
      <p class="tile-action">
        <Link class="button" href={href("payment")}>
          {t("dashboard.balance.pay")}
        </Link>
      </p>
    </section>
  );
}

export function LastPaymentTile({ payment }: { payment: Dashboard["last_payment"] }) {
  return (
    <section class="card tile">
      <h2>{t("dashboard.lastPayment.title")}</h2>
      {payment ? (
        <>
          <p class="figure">{money(payment.amount)}</p>
          <p>{t("dashboard.lastPayment.date", { date: longDate(payment.date) })}</p>
          <p>{t("dashboard.lastPayment.method", { method: payment.method })}</p>
        </>
      ) : (
        <p>{t("dashboard.lastPayment.none")}</p>
      )}
    </section>
  );
}

export function BillingAddressTile({ address }: { address: Dashboard["billing_address"] }) {
  return (
    <section class="card tile">
      <h2>{t("dashboard.address.title")}</h2>
      <address>
        {address.line1}
        <br />
        {address.line2 && (
          <>
            {address.line2}
            <br />
          </>
        )}
        {address.city} {address.province} {address.postal_code}
      </address>
      <p class="tile-action">
        <Link href={href("profile")} aria-describedby="billing-address-edit-hint">
          {t("dashboard.address.edit")}
        </Link>
      </p>
      <p id="billing-address-edit-hint" class="hint">
        {t("dashboard.address.editHint")}
      </p>
    </section>
  );
}
