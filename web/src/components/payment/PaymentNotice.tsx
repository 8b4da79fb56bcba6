// Where a payment stands, said where the Pay button is: processing, approved (then the dashboard), pending
// at the bank, declined (the article's red sentence), or refused.
import { money, t } from "../../i18n/i18n";
import { href } from "../../router";
import { Link, Notice } from "../ui";
import type { PaymentView } from "./outcome";

export type Phase =
  | { kind: "idle" }
  | { kind: "sending" }
  | { kind: "saving" }
  | { kind: "approved"; payment: PaymentView }
  | { kind: "pending"; payment: PaymentView }
  | { kind: "declined"; message: string }
  | { kind: "failed"; message: string }
  | { kind: "saved"; card: string };

export function PaymentNotice({ phase }: { phase: Phase }) {
  switch (phase.kind) {
    case "sending":
      return <Notice kind="status">{t("payment.paying")}</Notice>;
    case "approved":
      return (
        <Notice kind="success">
          <p>{t("payment.approved", { amount: money(phase.payment.amount) })}</p>
          <p>{t("payment.approvedEmail")}</p>
          <p>
            <Link href={href("dashboard")}>{t("shell.backToDashboard")}</Link>
          </p>
        </Notice>
      );
    case "pending":
      return (
        <Notice kind="status">
          <p>{t("payment.pending", { amount: money(phase.payment.amount) })}</p>
          <p>{t("payment.pendingWatch")}</p>
          <p>
            <Link href={href("dashboard")}>{t("shell.backToDashboard")}</Link>
          </p>
        </Notice>
      );
    case "declined":
      return (
        <Notice kind="error">
          <p>{phase.message}</p>
          <p>{t("payment.declinedAdvice")}</p>
        </Notice>
      );
    case "failed":
      return <Notice kind="error">{phase.message}</Notice>;
    case "saved":
      return <Notice kind="success">{t("payment.savedCard", { card: phase.card })}</Notice>;
    default:
      return null;
  }
}
