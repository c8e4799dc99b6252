import { describe, expect, it } from "vitest";
import { programDocument, shippedPrograms } from "../test/factories";
import { inDocumentedOrder } from "./key-order";

describe("inDocumentedOrder", () => {
  it("puts keys in the documented order and changes no value", () => {
    const shuffled = { rules: [{ event: { params: { percent: 5 }, type: "line-discount" }, scope: "line", id: "r", conditions: { all: [{ value: "x", operator: "equal", fact: "lineBrand" }] }, name: { en: "E", zh: "中" } }], id: "p", format: 1, custom: true };
    const ordered = inDocumentedOrder(shuffled);
    expect(ordered).toEqual(shuffled);
    expect(JSON.stringify(ordered)).toBe('{"format":1,"id":"p","rules":[{"id":"r","name":{"zh":"中","en":"E"},"scope":"line","conditions":{"all":[{"fact":"lineBrand","operator":"equal","value":"x"}]},"event":{"type":"line-discount","params":{"percent":5}}}],"custom":true}');
  });

  it.each(shippedPrograms)("leaves the shipped program %s's text as it is written", (program) => {
    const doc = programDocument(program);
    expect(JSON.stringify(inDocumentedOrder(doc))).toBe(JSON.stringify(doc));
  });
});
