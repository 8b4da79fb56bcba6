// The question before a user is deleted, in a modal dialog (the browser's own: it keeps the focus inside and
// closes with Escape, which answers No). "No" has the focus first, since a deletion cannot be undone.
import { useEffect, useRef } from "preact/hooks";

import type { Schemas } from "../../api/client";
import { t } from "../../i18n/i18n";

interface Props {
  user: Schemas["UserView"];
  busy: boolean;
  onYes: () => void;
  onNo: () => void;
}

export function DeleteDialog({ user, busy, onYes, onNo }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const no = useRef<HTMLButtonElement>(null);
  const name = `${user.first_name} ${user.last_name}`;

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    no.current?.focus();
    return () => element?.close();
  }, []);

  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby="delete-user-title"
      aria-describedby="delete-user-body"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onNo();
      }}
    >
      <h2 id="delete-user-title">{t("users.confirm.title", { name })}</h2>
      <div id="delete-user-body">
        <p>{t("users.confirm.body", { username: user.username })}</p>
        <p class="warning">{t("users.confirm.warning")}</p>
      </div>
      <div class="form-actions">
        <button type="button" class="danger" aria-disabled={busy} onClick={() => !busy && onYes()}>
          {t("users.confirm.yes")}
        </button>
        <button type="button" class="secondary" ref={no} onClick={onNo}>
          {t("users.confirm.no")}
        </button>
      </div>
    </dialog>
  );
}
