// Lighthouse (the web client's devDependency, run on Node 20 with Debian's Chromium) on the sign-in page and
// on the signed-in Account Dashboard. The dashboard is measured in the tab that signed in, as a person
// would reach it (the session lives in that tab). Prints one JSON line: each page's category scores.
//   node bench/lighthouse.mjs <portal URL> <username> <password>
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [base, username, password] = process.argv.slice(2);
const CATEGORIES = ["performance", "accessibility", "best-practices"];
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

function scores(result) {
  return Object.fromEntries(CATEGORIES.map((name) => [name, result.lhr.categories[name]?.score ?? null]));
}

const flags = { output: "json", logLevel: "error", onlyCategories: CATEGORIES, formFactor: "desktop", screenEmulation: { disabled: true }, throttlingMethod: "simulate" };
try {
  const page = await browser.newPage();
  const signInPage = await lighthouse(`${base}/sign-in`, flags, undefined, page);
  await page.goto(`${base}/sign-in`, { waitUntil: "networkidle0" });
  await page.locator("input[autocomplete=username]").fill(username);
  await page.locator("input[type=password]").fill(password);
  await Promise.all([page.waitForNavigation({ waitUntil: "networkidle0" }).catch(() => null), page.keyboard.press("Enter")]);
  await page.waitForSelector("h1");
  const dashboard = await lighthouse(`${base}/`, { ...flags, disableStorageReset: true }, undefined, page);
  console.log(JSON.stringify({ signIn: scores(signInPage), dashboard: scores(dashboard) }));
} finally {
  await browser.close();
}
