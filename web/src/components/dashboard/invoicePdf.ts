// An invoice's PDF: the API gives a short-lived link that answers as an attachment, so going to it downloads
// the file and leaves the page where it is.
import { api } from "../../api/client";
import { outcome } from "./outcome";

/** Going to a link the API made (a presigned GET answered as an attachment): the browser downloads it. */
export function startDownload(url: string): void {
  globalThis.location.assign(url);
}

/** Downloads the invoice's PDF; the sentence to show when it cannot (past 24 months, offline), else null. */
export async function downloadInvoicePdf(id: string): Promise<string | null> {
  const answer = await outcome(api.GET("/invoices/{id}/pdf", { params: { path: { id } } }));
  if (answer.problem) return answer.problem.message;
  startDownload(answer.data.url);
  return null;
}
