// What each type of transaction shows on its details page. Types, statuses, methods, cards and taxes are
// the API's words, already in the reader's language; dates and amounts are written as the reader's
// language writes them.
import { useSignal } from "@preact/signals";

import type { Schemas } from "../../api/client";
import { locale, longDate, money, t } from "../../i18n/i18n";
import { href } from "../../router";
import { downloadInvoicePdf } from "../dashboard/invoicePdf";
import { TableWrap } from "../dashboard/TableWrap";
import { Link, Notice } from "../ui";
import { ExportMenu } from "./ExportMenu";
import { Facts, type Fact } from "./Facts";

type Details = Schemas["TransactionDetailsResponse"];
type InvoiceDetails = Extract<Details, { type: "invoice" }>;
type PaymentDetails = Extract<Details, { type: "payment" }>;
type CreditDetails = Extract<Details, { type: "credit" }>;
type RefundDetails = Extract<Details, { type: "refund" }>;

export function TransactionView({ details }: { details: Details }) {
  switch (details.type) {
    case "invoice":
      return <InvoiceView invoice={details} />;
    case "payment":
      return <PaymentView payment={details} />;
    case "credit":
      return <CreditView credit={details} />;
    case "refund":
      return <RefundView refund={details} />;
  }
}

/** The facts every type starts with. */
function common(details: Details): Fact[] {
  return [
    [t("details.id"), details.id],
    [t("details.type"), details.type_label],
    [t("details.date"), longDate(details.date)],
    [t("details.valueDate"), details.value_date ? longDate(details.value_date) : null],
    [t("details.description"), details.description],
  ];
}

function invoiceLink(id: string) {
  return <Link href={href("details", { id })}>{id}</Link>;
}

function Summary({ details, facts }: { details: Details; facts: readonly Fact[] }) {
  return (
    <section class="card details-summary" aria-labelledby="details-summary-title">
      <h2 id="details-summary-title">{t("details.summary", { type: details.type_label, id: details.id })}</h2>
      <Facts facts={facts} />
    </section>
  );
}

function InvoiceView({ invoice }: { invoice: InvoiceDetails }) {
  const calls = invoice.call_count === null ? null : new Intl.NumberFormat(locale.value).format(invoice.call_count);
  return (
    <>
      <Summary
        details={invoice}
        facts={[
          ...common(invoice),
          [t("details.invoice.issueDate"), longDate(invoice.issue_date)],
          [
            t("details.invoice.period"),
            t("details.invoice.periodValue", { start: longDate(invoice.period_start), end: longDate(invoice.period_end) }),
          ],
          [t("details.invoice.dueDate"), longDate(invoice.due_date)],
          [t("details.status"), invoice.status_label],
          [t("details.invoice.total"), money(invoice.total)],
          [t("details.invoice.amountPaid"), money(invoice.amount_paid)],
          [t("details.invoice.balanceDue"), money(invoice.balance_due)],
          [t("details.invoice.calls"), calls],
        ]}
      />
      {invoice.pending_credit_note && <p class="details-note">{invoice.pending_credit_note}</p>}
      {invoice.invoice_pdf_available && <InvoicePdf id={invoice.id} />}
      <section class="card details-section" aria-labelledby="export-title">
        <h2 id="export-title">{t("details.export.title")}</h2>
        <p class="hint">{t("details.export.hint")}</p>
        <ExportMenu invoiceId={invoice.id} callCount={invoice.call_count} />
      </section>
      <Charges invoice={invoice} />
      <PaymentsApplied invoice={invoice} />
    </>
  );
}

function InvoicePdf({ id }: { id: string }) {
  const said = useSignal<{ kind: "status" | "error"; text: string } | null>(null);
  return (
    <div class="details-pdf">
      <button
        type="button"
        class="secondary"
        onClick={async () => {
          said.value = null;
          const failure = await downloadInvoicePdf(id);
          said.value = failure ? { kind: "error", text: failure } : { kind: "status", text: t("details.invoice.pdfStarted") };
        }}
      >
        {t("details.invoice.pdf")}
      </button>
      {said.value && <Notice kind={said.value.kind}>{said.value.text}</Notice>}
    </div>
  );
}

function Charges({ invoice }: { invoice: InvoiceDetails }) {
  return (
    <section class="card details-section" aria-labelledby="charges-title">
      <h2 id="charges-title">{t("details.invoice.charges")}</h2>
      <TableWrap label={t("details.invoice.chargesCaption", { id: invoice.id })}>
        <table>
          <caption class="visually-hidden">{t("details.invoice.chargesCaption", { id: invoice.id })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("details.invoice.line")}</th>
              <th scope="col">{t("details.invoice.category")}</th>
              <th scope="col" class="number">
                {t("details.invoice.quantity")}
              </th>
              <th scope="col" class="number">
                {t("details.amount")}
              </th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((line, index) => (
              <tr key={`${index}-${line.description}`}>
                <th scope="row">{line.description}</th>
                <td>{t(line.category === "usage" ? "details.invoice.usage" : "details.invoice.service")}</td>
                <td class="number">{new Intl.NumberFormat(locale.value).format(line.quantity)}</td>
                <td class="number">{money(line.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <TotalRow label={t("details.invoice.subtotal")} amount={invoice.subtotal} />
            {invoice.taxes.map((tax) => (
              <TotalRow key={tax.name} label={tax.name} amount={tax.amount} />
            ))}
            <TotalRow label={t("details.invoice.total")} amount={invoice.total} strong />
          </tfoot>
        </table>
      </TableWrap>
    </section>
  );
}

function TotalRow({ label, amount, strong = false }: { label: string; amount: string; strong?: boolean }) {
  return (
    <tr class={strong ? "grand-total" : undefined}>
      <th scope="row" colSpan={3}>
        {label}
      </th>
      <td class="number">{money(amount)}</td>
    </tr>
  );
}

function PaymentsApplied({ invoice }: { invoice: InvoiceDetails }) {
  return (
    <section class="card details-section" aria-labelledby="payments-applied-title">
      <h2 id="payments-applied-title">{t("details.invoice.payments")}</h2>
      {invoice.payments_applied.length === 0 ? (
        <p>{t("details.invoice.noPayments")}</p>
      ) : (
        <TableWrap label={t("details.invoice.paymentsCaption", { id: invoice.id })}>
          <table>
            <caption class="visually-hidden">{t("details.invoice.paymentsCaption", { id: invoice.id })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("details.invoice.source")}</th>
                <th scope="col" class="number">
                  {t("details.amount")}
                </th>
              </tr>
            </thead>
            <tbody>
              {invoice.payments_applied.map((applied, index) => (
                <tr key={`${index}-${applied.source_id}`}>
                  <th scope="row">
                    {applied.source_id === "account_credit" ? t("details.invoice.accountCredit") : invoiceLink(applied.source_id)}
                  </th>
                  <td class="number">{money(applied.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function InvoicesPaid({ id, paid }: { id: string; paid: readonly Schemas["PaidInvoice"][] }) {
  return (
    <section class="card details-section" aria-labelledby="invoices-paid-title">
      <h2 id="invoices-paid-title">{t("details.invoicesPaid")}</h2>
      {paid.length === 0 ? (
        <p>{t("details.invoicesPaid.none")}</p>
      ) : (
        <TableWrap label={t("details.invoicesPaidCaption", { id })}>
          <table>
            <caption class="visually-hidden">{t("details.invoicesPaidCaption", { id })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("details.invoicesPaid.invoice")}</th>
                <th scope="col" class="number">
                  {t("details.invoicesPaid.amount")}
                </th>
              </tr>
            </thead>
            <tbody>
              {paid.map((invoice) => (
                <tr key={invoice.invoice_id}>
                  <th scope="row">{invoiceLink(invoice.invoice_id)}</th>
                  <td class="number">{money(invoice.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function PaymentView({ payment }: { payment: PaymentDetails }) {
  return (
    <>
      <Summary
        details={payment}
        facts={[
          ...common(payment),
          [t("details.amount"), money(payment.amount)],
          [t("details.payment.method"), payment.method_label],
          [t("details.payment.card"), payment.card_label],
          [t("details.status"), payment.status_label],
          [t("details.reference"), payment.reference],
        ]}
      />
      <InvoicesPaid id={payment.id} paid={payment.invoices_paid} />
    </>
  );
}

function CreditView({ credit }: { credit: CreditDetails }) {
  return (
    <>
      <Summary
        details={credit}
        facts={[
          ...common(credit),
          [t("details.amount"), money(credit.amount)],
          [t("details.reason"), credit.reason],
          [t("details.reference"), credit.reference],
          [t("details.status"), credit.status_label],
          [t("details.credit.appliesTo"), credit.applied_on_invoice ? invoiceLink(credit.applied_on_invoice) : null],
        ]}
      />
      <InvoicesPaid id={credit.id} paid={credit.invoices_paid} />
    </>
  );
}

function RefundView({ refund }: { refund: RefundDetails }) {
  return (
    <Summary
      details={refund}
      facts={[
        ...common(refund),
        [t("details.amount"), money(refund.amount)],
        [t("details.reason"), refund.reason],
        [t("details.reference"), refund.reference],
        [t("details.status"), refund.status_label],
      ]}
    />
  );
}
