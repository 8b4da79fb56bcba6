// A polite live region that is always in the page, so that what is put in it is read out reliably (one
// added together with its text may be missed); the same words again are read again.
import { useSignal } from "@preact/signals";
import { useCallback } from "preact/hooks";

export function useAnnouncer() {
  const said = useSignal("");
  const say = useCallback((words: string) => {
    said.value = "";
    // A change of the region's text is what is read: empty it first so that a repeat is read too.
    setTimeout(() => (said.value = words), 50);
  }, [said]);
  const region = (
    <div class="visually-hidden" role="status">
      {said.value}
    </div>
  );
  return { say, region };
}
