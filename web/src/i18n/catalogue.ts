// Every feature's messages, merged: one catalogue per language. A feature adds its file here.
import { auth } from "./messages/auth";
import { dashboard } from "./messages/dashboard";
import { details } from "./messages/details";
import { payment } from "./messages/payment";
import { profile } from "./messages/profile";
import { shell } from "./messages/shell";
import { users } from "./messages/users";

const features = [shell, auth, users, profile, dashboard, details, payment] as const;

type Feature = (typeof features)[number];
export type MessageKey = Feature extends infer F ? (F extends { en: infer E } ? keyof E & string : never) : never;

function merged(language: "en" | "fr"): Record<MessageKey, string> {
  return Object.assign({}, ...features.map((feature) => feature[language])) as Record<MessageKey, string>;
}

export const en = merged("en");
export const fr = merged("fr");
