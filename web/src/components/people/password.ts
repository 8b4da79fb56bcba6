// The portal's password rules, as the API checks them (layers/common/billing_portal/users/passwords.py), so
// that a person sees each one met or not while typing, before anything is sent. The API stays the judge:
// whatever it still refuses is shown from its answer.
export type PasswordRule = "length" | "digits" | "case" | "username";

export const PASSWORD_RULES: readonly PasswordRule[] = ["length", "digits", "case", "username"];
export const MIN_LENGTH = 15;
export const MIN_DIGITS = 2;

/** Whether the password keeps clear of the username: the whole address, or its local part of 3 or more. */
function avoidsUsername(password: string, username: string): boolean {
  const name = username.trim().toLowerCase();
  if (!name) return true;
  const lowered = password.toLowerCase();
  const localPart = name.split("@", 1)[0] ?? "";
  return !(lowered.includes(name) || (localPart.length >= 3 && lowered.includes(localPart)));
}

/** Each rule, met or not (the same ASCII classes the user pool counts). */
export function checkPassword(password: string, username: string): Record<PasswordRule, boolean> {
  return {
    length: [...password].length >= MIN_LENGTH,
    digits: (password.match(/[0-9]/g) ?? []).length >= MIN_DIGITS,
    case: /[A-Z]/.test(password) && /[a-z]/.test(password),
    username: avoidsUsername(password, username),
  };
}

export function unmetRules(password: string, username: string): PasswordRule[] {
  const checked = checkPassword(password, username);
  return PASSWORD_RULES.filter((rule) => !checked[rule]);
}
