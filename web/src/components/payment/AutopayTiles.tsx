// The dashboard's Auto Pay tiles. Auto Pay Status: on or off, with which card, and the control to turn it
// on (choosing a saved card) or off. Automatic Payment Method: the card and its expiry ("Expired" flagged),
// changed here to another saved card. Neither loads anything until asked (the dashboard's calls are
// counted): the saved cards are fetched when a card is to be chosen.
import { useEffect, useId, useRef, useState } from "preact/hooks";

import { api, type Schemas } from "../../api/client";
import { t } from "../../i18n/i18n";
import { Notice } from "../ui";
import { AutopayCardPicker } from "./AutopayCardPicker";
import { cardLabel, expiry } from "./cards";
import "./payment.css";

interface TileProps {
  account: Schemas["Dashboard"];
  onChanged: () => void;
}

type Said = { kind: "success" | "error"; text: string } | null;

/** A tile's controls: which one is open, what was last said, and focus back on the opener when closed. */
function useTileControls(onChanged: () => void) {
  const [open, setOpen] = useState<"none" | "confirmOff" | "choose">("none");
  const [said, setSaid] = useState<Said>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [closing, setClosing] = useState(0);
  useEffect(() => {
    if (closing) opener.current?.focus();
  }, [closing]);
  const close = (next: Said = null) => {
    setOpen("none");
    setSaid(next);
    setClosing((count) => count + 1);
  };
  const changed = (text: string) => {
    close({ kind: "success", text });
    onChanged();
  };
  const start = (which: "confirmOff" | "choose") => {
    setSaid(null);
    setOpen(which);
  };
  return { open, said, opener, close, changed, start, failed: (text: string) => setSaid({ kind: "error", text }) };
}

export function AutopayStatusTile({ account, onChanged }: TileProps) {
  const id = useId();
  const method = account.autopay.enabled ? (account.autopay.payment_method ?? null) : null;
  const controls = useTileControls(onChanged);
  const [busy, setBusy] = useState(false);

  async function turnOff() {
    if (busy) return;
    setBusy(true);
    const { data, error } = await api.PUT("/autopay", { body: { enabled: false } }).catch(() => ({ data: undefined, error: undefined }));
    setBusy(false);
    if (data) controls.changed(t("autopay.turnedOff"));
    else controls.failed(error?.message ?? t("shell.offline"));
  }

  return (
    <section class="card tile autopay-tile" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("autopay.statusTitle")}</h2>
      <p class="figure">{method ? t("autopay.on") : t("autopay.off")}</p>
      <p>{method ? t("autopay.onWith", { card: cardLabel(method) }) : t("autopay.offText")}</p>
      {controls.open === "none" && (
        <div class="actions">
          <button
            ref={controls.opener}
            type="button"
            class="secondary"
            onClick={() => controls.start(method ? "confirmOff" : "choose")}
          >
            {method ? t("autopay.turnOff") : t("autopay.turnOn")}
          </button>
        </div>
      )}
      {controls.open === "confirmOff" && (
        <ConfirmOff busy={busy} onConfirm={() => void turnOff()} onCancel={() => controls.close()} />
      )}
      {controls.open === "choose" && (
        <AutopayCardPicker
          currentId={null}
          submitLabel={t("autopay.turnOn")}
          onSaved={(view) => controls.changed(t("autopay.turnedOn", { card: view.payment_method ? cardLabel(view.payment_method) : "" }))}
          onCancel={() => controls.close()}
        />
      )}
      {controls.said && <Notice kind={controls.said.kind}>{controls.said.text}</Notice>}
    </section>
  );
}

function ConfirmOff({ busy, onConfirm, onCancel }: { busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const confirm = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => confirm.current?.focus(), []);
  return (
    <div class="autopay-form" role="group" aria-labelledby={id}>
      <p id={id}>{t("autopay.confirmOff")}</p>
      <div class="actions">
        <button ref={confirm} type="button" class="danger" aria-disabled={busy ? true : undefined} onClick={onConfirm}>
          {t("autopay.turnOff")}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t("autopay.keepOn")}
        </button>
      </div>
    </div>
  );
}

export function AutopayMethodTile({ account, onChanged }: TileProps) {
  const id = useId();
  const method = account.autopay.enabled ? (account.autopay.payment_method ?? null) : null;
  const controls = useTileControls(onChanged);
  return (
    <section class="card tile autopay-tile" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("autopay.methodTitle")}</h2>
      {method ? (
        <>
          <p class="figure card-figure">{cardLabel(method)}</p>
          <p>
            {t("payment.expires", { expiry: expiry(method) })}
            {method.expired && (
              <>
                {" "}
                <span class="flag flag-expired">{t("payment.expired")}</span>
              </>
            )}
          </p>
          {method.expired && <p class="expired-warning">{t("autopay.expiredWarning")}</p>}
          {controls.open === "none" && (
            <div class="actions">
              <button ref={controls.opener} type="button" class="secondary" onClick={() => controls.start("choose")}>
                {t("autopay.change")}
              </button>
            </div>
          )}
          {controls.open === "choose" && (
            <AutopayCardPicker
              currentId={method.id}
              submitLabel={t("autopay.useCard")}
              onSaved={(view) => controls.changed(t("autopay.changed", { card: view.payment_method ? cardLabel(view.payment_method) : "" }))}
              onCancel={() => controls.close()}
            />
          )}
        </>
      ) : (
        <p>{t("autopay.noMethod")}</p>
      )}
      {controls.said && <Notice kind={controls.said.kind}>{controls.said.text}</Notice>}
    </section>
  );
}
