import { describe, expect, it } from "vitest";
import { newId } from "./ids";

describe("newId", () => {
  it("gives 96 random bits after the prefix, never the same twice across refills of its pool", () => {
    const ids = Array.from({ length: 2_000 }, () => newId("d"));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^d_[A-Za-z0-9_-]{16}$/);
  });
});
