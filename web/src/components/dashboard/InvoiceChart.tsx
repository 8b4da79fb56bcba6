// The invoice totals of the last 24 months as bars (drawn inline, no chart library), described in words for
// a screen reader, with the same figures as a table anyone can open. The drawing is sized in percentages
// and its text in the page's own units, so it stays legible from a phone to 200% zoom.
import { language, money, t } from "../../i18n/i18n";
import { TableWrap } from "./TableWrap";
import { highestMonth, labelKind, monthAbbreviation, monthName, scaleFor, share, wholeDollars, type MonthTotal, type Scale } from "./chart";

// The plot's band inside the drawing, as percentages of its height: room above for the top grid label,
// below for the month and year labels.
const PLOT_TOP = 10;
const PLOT_BOTTOM = 80;
const BAR_SHARE_OF_SLOT = 0.64;

const percent = (value: number) => `${Math.round(value * 1000) / 1000}%`;

export function InvoiceChart({ totals }: { totals: readonly MonthTotal[] }) {
  const lang = language.value;
  const highest = highestMonth(totals);
  const first = totals[0];
  const last = totals[totals.length - 1];
  const invoiced = totals.some((month) => Number(month.total) > 0);
  return (
    <section class="card invoice-chart" aria-labelledby="invoice-chart-title">
      <h2 id="invoice-chart-title">{t("dashboard.chart.title")}</h2>
      {!invoiced || !first || !last || !highest ? (
        <p>{t("dashboard.chart.empty")}</p>
      ) : (
        <>
          <Bars
            totals={totals}
            label={t("dashboard.chart.summary", {
              first: monthName(first.month, lang),
              last: monthName(last.month, lang),
              highest: money(highest.total),
              highestMonth: monthName(highest.month, lang),
            })}
          />
          <details class="chart-table">
            <summary>{t("dashboard.chart.showTable")}</summary>
            <TotalsTable totals={totals} />
          </details>
        </>
      )}
    </section>
  );
}

function Bars({ totals, label }: { totals: readonly MonthTotal[]; label: string }) {
  const lang = language.value;
  const scale = scaleFor(totals);
  const levelOf = (value: number) => PLOT_BOTTOM - (value / scale.top) * (PLOT_BOTTOM - PLOT_TOP);
  return (
    // The grid's amounts sit in their own column beside the drawing, so that no bar covers them; they are
    // spaced as the grid's lines are (evenly, from the plot's top to its base).
    <div class="plot">
      <div class="y-axis" aria-hidden="true">
        {[...scale.ticks].reverse().map((tick) => (
          <span key={tick}>{wholeDollars(tick, lang)}</span>
        ))}
      </div>
      <svg class="bars" role="img" aria-label={label} width="100%" height="100%">
        {scale.ticks.map((tick) => (
          <line key={tick} class="grid" x1="0" x2="100%" y1={percent(levelOf(tick))} y2={percent(levelOf(tick))} />
        ))}
        {totals.map((month, index) => (
          <Bar key={month.month} month={month} index={index} count={totals.length} scale={scale} />
        ))}
      </svg>
    </div>
  );
}

interface BarProps {
  month: MonthTotal;
  index: number;
  count: number;
  scale: Scale;
}

/** One month: its bar, and under it the month's name (and the year's, at January and at the first bar). */
function Bar({ month, index, count, scale }: BarProps) {
  const lang = language.value;
  const slot = 100 / count;
  const barHeight = share(month.total, scale) * (PLOT_BOTTOM - PLOT_TOP);
  const kind = index === 0 ? "major" : labelKind(month.month);
  const centre = percent(slot * (index + 0.5));
  return (
    <g>
      <rect
        class="bar"
        x={percent(slot * (index + (1 - BAR_SHARE_OF_SLOT) / 2))}
        width={percent(slot * BAR_SHARE_OF_SLOT)}
        y={percent(PLOT_BOTTOM - barHeight)}
        height={percent(barHeight)}
      >
        {/* A pointer's tooltip; the figures themselves are in the table. */}
        <title>{t("dashboard.chart.bar", { month: monthName(month.month, lang), total: money(month.total) })}</title>
      </rect>
      {kind && (
        <text class={`month ${kind}`} x={centre} y="89%">
          {monthAbbreviation(month.month, lang)}
        </text>
      )}
      {(index === 0 || month.month.endsWith("-01")) && (
        <text class="year" x={centre} y="98%">
          {month.month.slice(0, 4)}
        </text>
      )}
    </g>
  );
}

function TotalsTable({ totals }: { totals: readonly MonthTotal[] }) {
  const lang = language.value;
  return (
    <TableWrap label={t("dashboard.chart.caption")}>
      <table>
        <caption>{t("dashboard.chart.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("dashboard.chart.month")}</th>
            <th scope="col" class="number">
              {t("dashboard.chart.total")}
            </th>
          </tr>
        </thead>
        <tbody>
          {totals.map((month) => (
            <tr key={month.month}>
              <th scope="row">{monthName(month.month, lang)}</th>
              <td class="number">{money(month.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
