// The Transaction History table: the help centre's eight columns, left to right. Amounts are right-aligned;
// the Download column has the "$" invoice icon for invoices whose PDF can be downloaded.
import { useSignal } from "@preact/signals";

import type { Schemas } from "../../api/client";
import { money, shortDate, t } from "../../i18n/i18n";
import { href } from "../../router";
import { Link } from "../ui";

type HistoryItem = Schemas["HistoryItem"];

interface Props {
  items: readonly HistoryItem[];
  onDownload: (id: string) => Promise<void>;
}

export function HistoryTable({ items, onDownload }: Props) {
  return (
    <div class="table-wrap">
      <table class="history-table">
        <caption class="visually-hidden">{t("dashboard.history.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("dashboard.history.id")}</th>
            <th scope="col">{t("dashboard.history.type")}</th>
            <th scope="col">{t("dashboard.history.date")}</th>
            <th scope="col">{t("dashboard.history.description")}</th>
            <th scope="col" class="number">
              {t("dashboard.history.credit")}
            </th>
            <th scope="col" class="number">
              {t("dashboard.history.debit")}
            </th>
            <th scope="col" class="number">
              {t("dashboard.history.balance")}
            </th>
            <th scope="col" class="download">
              {t("dashboard.history.download")}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <th scope="row">
                <Link href={href("details", { id: item.id })}>{item.id}</Link>
              </th>
              <td>{item.type_label}</td>
              <td class="date">{shortDate(item.date)}</td>
              <td>{item.description}</td>
              <td class="number">{item.credit === null ? "" : money(item.credit)}</td>
              <td class="number">{item.debit === null ? "" : money(item.debit)}</td>
              <td class="number">{money(item.balance)}</td>
              <td class="download">
                {item.invoice_pdf_available && <InvoicePdfButton id={item.id} onDownload={onDownload} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The "$" invoice icon: asks the API for the PDF's link, then downloads it. */
export function InvoicePdfButton({ id, onDownload }: { id: string; onDownload: (id: string) => Promise<void> }) {
  const busy = useSignal(false);
  const label = t("dashboard.history.downloadInvoice", { id });
  return (
    <button
      type="button"
      class="icon-button invoice-pdf"
      aria-label={label}
      title={label}
      aria-busy={busy.value || undefined}
      onClick={async () => {
        if (busy.value) return;
        busy.value = true;
        try {
          await onDownload(id);
        } finally {
          busy.value = false;
        }
      }}
    >
      <DollarInvoiceIcon />
    </button>
  );
}

/** A page with a "$" on it: the help centre's invoice icon. */
function DollarInvoiceIcon() {
  return (
    <svg aria-hidden="true" focusable="false" viewBox="0 0 20 24" width="20" height="24">
      <path d="M2 1h11l5 5v17H2z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
      <path d="M13 1v5h5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
      <text x="10" y="18.5" text-anchor="middle" font-size="12" font-weight="700" fill="currentColor">
        $
      </text>
    </svg>
  );
}
