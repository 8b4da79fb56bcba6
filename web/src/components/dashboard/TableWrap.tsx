// A table that scrolls sideways inside its own box on a narrow screen (the page itself never does). The box
// is a named region that takes focus, so that a keyboard can scroll it when the table holds no link.
import type { ComponentChildren } from "preact";

export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // A scrolling region must be reachable by keyboard (WCAG 2.1.1); its name says which table it holds.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
