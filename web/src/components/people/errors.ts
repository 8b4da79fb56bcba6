// The API's refusals, as a form shows them: the sentence for the whole answer, and each detail next to the
// field it names (`first_name`, `billing_address.postal_code`, `billing_contacts.1`...).
import type { ApiError } from "../../api/client";

export interface Refusal {
  message: string;
  fields: Record<string, string>;
}

/** The details by field, as named; several details of one field are told one after the other. */
export function refusal(error: ApiError): Refusal {
  const fields: Record<string, string> = {};
  for (const { field, message } of error.details ?? []) {
    fields[field] = fields[field] ? `${fields[field]} ${message}` : message;
  }
  return { message: error.message, fields };
}

/** The details of the fields the form does not show (a whole list, the body...), which the general message
 *  then has to carry. */
export function unplaced(fields: Record<string, string>, shown: readonly string[]): string[] {
  return Object.entries(fields)
    .filter(([field]) => !shown.includes(field))
    .map(([, message]) => message);
}
