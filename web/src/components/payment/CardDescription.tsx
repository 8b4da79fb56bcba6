// A saved card in words: its brand and last four digits, its expiry, and flags (expired, the Auto Pay card).
import { t } from "../../i18n/i18n";
import { type CardLike, cardLabel, expiry } from "./cards";

export function CardDescription({ card, autopay = false }: { card: CardLike & { expired: boolean }; autopay?: boolean }) {
  return (
    <span class="card-description">
      <span class="card-name">{cardLabel(card)}</span>{" "}
      <span class="card-expiry">{t("payment.expires", { expiry: expiry(card) })}</span>
      {card.expired && (
        <>
          {" "}
          <span class="flag flag-expired">{t("payment.expired")}</span>
        </>
      )}
      {autopay && (
        <>
          {" "}
          <span class="flag">{t("payment.autopayCard")}</span>
        </>
      )}
    </span>
  );
}
