// The Account Dashboard: the account's tiles and invoice-totals chart from one GET /account, and the
// Transaction History from GET /transactions (with GET /me, which the shell makes, three requests in all).
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

import { api, type Schemas } from "../api/client";
import { BillingAddressTile, CurrentBalanceTile, LastPaymentTile } from "../components/dashboard/AccountTiles";
import { InvoiceChart } from "../components/dashboard/InvoiceChart";
import { outcome } from "../components/dashboard/outcome";
import { TransactionHistory } from "../components/dashboard/TransactionHistory";
import { AutopayMethodTile, AutopayStatusTile } from "../components/payment/AutopayTiles";
import { Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import "../components/dashboard/Dashboard.css";

export function Dashboard() {
  const account = useSignal<Schemas["Dashboard"] | null>(null);
  const problem = useSignal<string | null>(null);

  const load = async () => {
    const answer = await outcome(api.GET("/account"));
    account.value = answer.data ?? account.value;
    problem.value = answer.problem?.message ?? null;
  };

  useEffect(() => {
    void load();
  }, []);

  const loaded = account.value;
  return (
    <>
      <PageHeading>{t("shell.dashboard")}</PageHeading>
      {loaded && <p class="account-name">{t("dashboard.account", { name: loaded.name, number: loaded.account_number })}</p>}
      {problem.value && <Notice kind="error">{problem.value}</Notice>}
      {!loaded && !problem.value && <p role="status">{t("shell.loading")}</p>}
      {loaded && (
        <>
          <div class="tiles">
            <CurrentBalanceTile balance={loaded.current_balance} />
            <LastPaymentTile payment={loaded.last_payment} />
            <AutopayStatusTile account={loaded} onChanged={() => void load()} />
            <AutopayMethodTile account={loaded} onChanged={() => void load()} />
            <BillingAddressTile address={loaded.billing_address} />
          </div>
          <InvoiceChart totals={loaded.invoice_totals} />
        </>
      )}
      {/* Loaded alongside the account, shown with it: the tiles never push a table already on screen
          down (a layout shift a reader loses their place in, and Lighthouse counts). */}
      <div hidden={!loaded && !problem.value}>
        <TransactionHistory />
      </div>
    </>
  );
}
