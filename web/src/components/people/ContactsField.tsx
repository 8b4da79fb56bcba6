// The billing contacts: a list of email addresses, each with its own remove button, and a button to add
// one (up to the API's ten). Adding moves the focus to the new address; removing, to the add button.
import { useEffect, useRef } from "preact/hooks";

import { t } from "../../i18n/i18n";
import { TextField } from "./fields";

export const MAX_CONTACTS = 10;

interface Props {
  contacts: string[];
  onChange: (contacts: string[]) => void;
  /** The API's problems by field: `billing_contacts` for the list, `billing_contacts.<n>` for one. */
  errors: Record<string, string>;
}

export function ContactsField({ contacts, onChange, errors }: Props) {
  const list = useRef<HTMLUListElement>(null);
  const add = useRef<HTMLButtonElement>(null);
  const focusAfter = useRef<"last" | "add" | null>(null);
  const whole = errors["billing_contacts"];

  useEffect(() => {
    if (focusAfter.current === "last") list.current?.querySelector<HTMLInputElement>("li:last-child input")?.focus();
    if (focusAfter.current === "add") add.current?.focus();
    focusAfter.current = null;
  }, [contacts.length]);

  return (
    <fieldset class="contacts" aria-describedby={whole ? "contacts-hint contacts-error" : "contacts-hint"}>
      <legend>{t("profile.contacts")}</legend>
      <p id="contacts-hint" class="hint">
        {t("profile.contactsHint", { count: MAX_CONTACTS })}
      </p>
      {whole && (
        <p id="contacts-error" class="field-error">
          {whole}
        </p>
      )}
      {contacts.length === 0 && <p>{t("profile.noContacts")}</p>}
      <ul ref={list} class="contact-list">
        {contacts.map((contact, index) => (
          <li key={index}>
            <TextField
              label={t("profile.contact", { number: index + 1 })}
              value={contact}
              onInput={(value) => onChange(contacts.map((old, at) => (at === index ? value : old)))}
              error={errors[`billing_contacts.${index}`] ?? null}
              type="email"
              autoComplete="off"
              autoCapitalize="off"
              spellcheck={false}
            />
            <button
              type="button"
              class="secondary remove-contact"
              aria-label={t("profile.removeContact", { number: index + 1 })}
              onClick={() => {
                focusAfter.current = "add";
                onChange(contacts.filter((_old, at) => at !== index));
              }}
            >
              {t("profile.remove")}
            </button>
          </li>
        ))}
      </ul>
      {contacts.length < MAX_CONTACTS && (
        <button
          type="button"
          class="secondary"
          ref={add}
          onClick={() => {
            focusAfter.current = "last";
            onChange([...contacts, ""]);
          }}
        >
          {t("profile.addContact")}
        </button>
      )}
    </fieldset>
  );
}
