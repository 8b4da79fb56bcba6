// Previous and Next through the history's pages, and how many rows a page shows. When the button just used
// can no longer be used (the first or last page), focus moves to the other one rather than to nowhere.
import { useEffect, useRef } from "preact/hooks";

import { t } from "../../i18n/i18n";
import { PAGE_SIZES, type PageSize } from "./historyQuery";

interface Props {
  page: number;
  hasNext: boolean;
  pageSize: PageSize;
  onPrevious: () => void;
  onNext: () => void;
  onPageSize: (size: PageSize) => void;
}

export function Pager({ page, hasNext, pageSize, onPrevious, onNext, onPageSize }: Props) {
  const previous = useRef<HTMLButtonElement>(null);
  const next = useRef<HTMLButtonElement>(null);
  const pressed = useRef<"previous" | "next" | null>(null);

  useEffect(() => {
    if (pressed.current === "next" && !hasNext) previous.current?.focus();
    if (pressed.current === "previous" && page === 1) next.current?.focus();
    pressed.current = null;
  }, [page, hasNext]);

  return (
    <div class="pager">
      <nav aria-label={t("dashboard.pager.label")}>
        <button
          ref={previous}
          type="button"
          class="secondary"
          disabled={page === 1}
          onClick={() => {
            pressed.current = "previous";
            onPrevious();
          }}
        >
          {t("dashboard.pager.previous")}
        </button>
        <span class="page-number">{t("dashboard.pager.page", { page })}</span>
        <button
          ref={next}
          type="button"
          class="secondary"
          disabled={!hasNext}
          onClick={() => {
            pressed.current = "next";
            onNext();
          }}
        >
          {t("dashboard.pager.next")}
        </button>
      </nav>
      <div class="page-size">
        <label for="history-page-size">{t("dashboard.pager.size")}</label>
        <select
          id="history-page-size"
          value={String(pageSize)}
          onChange={(event) => onPageSize(Number(event.currentTarget.value) as PageSize)}
        >
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
