import { describe, expect, it } from "vitest";

import openapi from "../../docs/openapi.json";
import table from "../routes.json";
import { href, match } from "./router";

// The API's first path segments, and the local stack's own endpoints.
const API_PATHS = [
  ...Object.keys(openapi.paths).map((path) => `/${path.split("/")[1]}`),
  "/health",
  "/openapi.json",
  "/_local",
  "/config.json",
  "/assets",
];

describe("the portal's pages", () => {
  it("are found by their path, with parameters decoded", () => {
    expect(match("/")).toEqual({ name: "dashboard", params: {} });
    expect(match("/activity/INV-202611")).toEqual({ name: "details", params: { id: "INV-202611" } });
    expect(match("/nowhere").name).toBeNull();
  });

  it("make links with parameters encoded", () => {
    expect(href("details", { id: "INV 1/2" })).toBe("/activity/INV%201%2F2");
    expect(href("resetPassword", {}, { username: "a@b.ca" })).toBe("/forgot-password/reset?username=a%40b.ca");
  });

  it("never take a path of the API", () => {
    for (const path of Object.values(table.routes)) {
      const first = `/${path.split("/")[1] ?? ""}`;
      expect(API_PATHS, path).not.toContain(first);
    }
  });
});
