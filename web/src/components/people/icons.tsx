// Inline icons (no icon font, nothing fetched), hidden from assistive technology: the button or text next
// to each says what it means.
import type { ComponentChildren } from "preact";

function Icon({ children, class: className = "" }: { children: ComponentChildren; class?: string }) {
  return (
    <svg
      class={`icon ${className}`}
      viewBox="0 0 24 24"
      width="20"
      height="20"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      {children}
    </svg>
  );
}

export function PencilIcon() {
  return (
    <Icon>
      <path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L8 18l-4 1 1-4Z" />
      <path d="m14.5 5.5 3 3" />
    </Icon>
  );
}

export function TrashIcon() {
  return (
    <Icon>
      <path d="M4 7h16" />
      <path d="M10 11v6M14 11v6" />
      <path d="M6 7l1 13h10l1-13" />
      <path d="M9 7V4h6v3" />
    </Icon>
  );
}

export function CheckIcon({ class: className }: { class?: string }) {
  return (
    <Icon class={className}>
      <path d="m5 12 5 5 9-10" />
    </Icon>
  );
}

export function CrossIcon({ class: className }: { class?: string }) {
  return (
    <Icon class={className}>
      <path d="M6 6l12 12M18 6 6 18" />
    </Icon>
  );
}
