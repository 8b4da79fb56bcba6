// Transaction Details (/activity/:id): one GET /transactions/{id}, for any type. Following a link to another
// transaction (an invoice a payment paid, say) opens it as a new page: fresh state, its heading focused.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

import { api, type Schemas } from "../api/client";
import { rememberedSearch } from "../components/dashboard/historyQuery";
import { outcome } from "../components/dashboard/outcome";
import { TransactionView } from "../components/details/TransactionViews";
import { Link, Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { href } from "../router";
import "../components/details/Details.css";

export function TransactionDetails({ params }: { params: Record<string, string> }) {
  const id = params.id ?? "";
  return <DetailsPage key={id} id={id} />;
}

function DetailsPage({ id }: { id: string }) {
  const details = useSignal<Schemas["TransactionDetailsResponse"] | null>(null);
  const problem = useSignal<string | null>(null);

  useEffect(() => {
    void outcome(api.GET("/transactions/{id}", { params: { path: { id } } })).then((answer) => {
      details.value = answer.data;
      problem.value = answer.problem?.message ?? null;
    });
  }, [id]);

  return (
    <>
      <p class="back-link">
        <Link href={`${href("dashboard")}${rememberedSearch()}`}>{t("shell.backToDashboard")}</Link>
      </p>
      <PageHeading>{t("details.title")}</PageHeading>
      {problem.value && <Notice kind="error">{problem.value}</Notice>}
      {!details.value && !problem.value && <p role="status">{t("shell.loading")}</p>}
      {details.value && <TransactionView details={details.value} />}
    </>
  );
}
