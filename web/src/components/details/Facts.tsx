// A transaction's facts as a description list: what each value is, then the value.
import type { ComponentChildren } from "preact";

export type Fact = readonly [label: string, value: ComponentChildren];

/** Facts whose value is missing (null, undefined or "") are left out. */
export function Facts({ facts }: { facts: readonly Fact[] }) {
  const shown = facts.filter(([, value]) => value !== null && value !== undefined && value !== "");
  return (
    <dl class="facts">
      {shown.map(([label, value]) => (
        <div key={label} class="fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
