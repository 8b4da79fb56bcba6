import { render } from "preact";

import { configureApi } from "./api/client";
import { App } from "./app";
import { loadConfig } from "./config";
import { brands } from "./i18n/i18n";
import "./styles.css";

async function start(): Promise<void> {
  const config = await loadConfig();
  brands.value = config.brand;
  configureApi(config.apiBase);
  const root = document.getElementById("app");
  if (root) render(<App />, root);
}

void start();
