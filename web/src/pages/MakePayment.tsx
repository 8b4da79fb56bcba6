// Make a Payment (/pay): the account's balance to pay, its saved cards, and a new card. The page loads the
// three things the form starts from at once: the balance, the saved cards, and the top user (whose email a
// new card's billing email defaults to).
import { useEffect, useState } from "preact/hooks";

import { api, type Schemas } from "../api/client";
import { PaymentForm } from "../components/payment/PaymentForm";
import { Link, Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { href } from "../router";
import "../components/payment/payment.css";

interface Loaded {
  account: Schemas["Dashboard"];
  methods: Schemas["PaymentMethodView"][];
  topUserEmail: string;
}

async function load(): Promise<Loaded | null> {
  const [account, methods, users] = await Promise.all([
    api.GET("/account"),
    api.GET("/payment-methods"),
    api.GET("/users"),
  ]);
  if (!account.data || !methods.data) return null;
  const people = users.data?.items ?? [];
  const top = people.find((user) => user.top_user) ?? people[0];
  return { account: account.data, methods: methods.data.items, topUserEmail: top?.username ?? "" };
}

export function MakePayment() {
  const [loaded, setLoaded] = useState<Loaded | "loading" | "failed">("loading");
  useEffect(() => {
    load()
      .then((found) => setLoaded(found ?? "failed"))
      .catch(() => setLoaded("failed"));
  }, []);
  return (
    <>
      <p class="back">
        <Link href={href("dashboard")}>{t("shell.backToDashboard")}</Link>
      </p>
      <PageHeading>{t("payment.title")}</PageHeading>
      <p>{t("payment.intro")}</p>
      {loaded === "loading" && <Notice kind="status">{t("shell.loading")}</Notice>}
      {loaded === "failed" && <Notice kind="error">{t("shell.error")}</Notice>}
      {typeof loaded === "object" && (
        <div class="card payment-card">
          <PaymentForm account={loaded.account} savedMethods={loaded.methods} topUserEmail={loaded.topUserEmail} />
        </div>
      )}
    </>
  );
}
