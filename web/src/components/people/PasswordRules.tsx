// The password rules as a list under a new password, each marked met or not as the person types: by an icon
// and by words (never by colour alone). The list is not a live region, so typing is not interrupted; the
// form announces what is still missing when it is submitted.
import type { MessageKey } from "../../i18n/catalogue";
import { t } from "../../i18n/i18n";
import { CheckIcon, CrossIcon } from "./icons";
import { checkPassword, PASSWORD_RULES, type PasswordRule, unmetRules } from "./password";

const RULE_TEXT: Record<PasswordRule, MessageKey> = {
  length: "auth.rules.length",
  digits: "auth.rules.digits",
  case: "auth.rules.case",
  username: "auth.rules.username",
};

export function PasswordRules({ id, password, username }: { id: string; password: string; username: string }) {
  const checked = checkPassword(password, username);
  return (
    <div id={id} class="password-rules">
      <p class="password-rules-title">{t("auth.rules.title")}</p>
      <ul>
        {PASSWORD_RULES.map((rule) => (
          <li key={rule} class={checked[rule] ? "rule-met" : "rule-unmet"}>
            {checked[rule] ? <CheckIcon class="rule-icon" /> : <CrossIcon class="rule-icon" />}
            <span>
              {t(RULE_TEXT[rule])} <span class="rule-state">{t(checked[rule] ? "auth.rules.met" : "auth.rules.unmet")}</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What a submit says when rules are still unmet, or null when the password may be sent. */
export function stillNeeded(password: string, username: string): string | null {
  const unmet = unmetRules(password, username);
  return unmet.length ? t("auth.rules.notYet", { rules: unmet.map((rule) => t(RULE_TEXT[rule])).join("; ") }) : null;
}
