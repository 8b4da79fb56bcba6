// One way to read an API answer for a page: the data, or the sentence to show. The API's errors are already
// in the reader's language; a request that never reached it (offline) has the portal's own sentence.
import type { ApiError } from "../../api/client";
import { t } from "../../i18n/i18n";

export type Outcome<T> =
  | { data: T; problem: null }
  | { data: null; problem: { message: string; status: number; error: ApiError | null } };

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function isApiError(value: unknown): value is ApiError {
  return typeof (value as ApiError | null)?.message === "string";
}

export async function outcome<T>(request: Promise<Answer<T>>): Promise<Outcome<T>> {
  try {
    const { data, error, response } = await request;
    if (response.ok && data !== undefined) return { data, problem: null };
    const known = isApiError(error) ? error : null;
    return { data: null, problem: { message: known?.message ?? t("shell.error"), status: response.status, error: known } };
  } catch {
    return { data: null, problem: { message: t("shell.offline"), status: 0, error: null } };
  }
}

/** The message the API gave for one request field (`details[].field`), if any. */
export function fieldMessage(error: ApiError | null, field: string): string | null {
  return error?.details?.find((detail) => detail.field === field)?.message ?? null;
}
