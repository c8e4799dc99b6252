import { describe, expect, it } from "vitest";
import { locate, positionOf, rangeOf, replaceAt, valueAt } from "./json-text";

const text = `{
  "name": { "zh": "卡", "en": "card" },
  "a/b": [1, 2, { "c~d": "x\\"y" }],
  "n": -1.5e2,
  "t": true
}
`;

describe("locate", () => {
  it("maps every pointer to the exact text of its value", () => {
    const spans = locate(text)!;
    const slice = (p: string) => text.slice(spans.get(p)!.start, spans.get(p)!.end);
    expect(slice("/name/zh")).toBe('"卡"');
    expect(slice("/a~1b/1")).toBe("2");
    expect(slice("/a~1b/2/c~0d")).toBe('"x\\"y"');
    expect(slice("/n")).toBe("-1.5e2");
    expect(slice("/t")).toBe("true");
    expect(slice("")).toBe(text.trim());
    expect(text.slice(spans.get("/name")!.keyStart, spans.get("/name")!.keyEnd)).toBe('"name"');
  });

  it("answers null for text that is not JSON", () => {
    expect(locate("{ nope")).toBeNull();
  });
});

describe("rangeOf", () => {
  it("underlines a scalar's key and value, a container's key only, and the nearest ancestor of a missing pointer", () => {
    const r = (p: string) => {
      const range = rangeOf(text, p)!;
      return text.slice(range.start, range.end);
    };
    expect(r("/n")).toBe('"n": -1.5e2');
    expect(r("/name")).toBe('"name"');
    expect(r("/a~1b/2")).toBe("{");
    expect(r("/name/missing/deeper")).toBe('"name"');
  });

  it("turns offsets into monaco's 1-based lines and columns", () => {
    const at = text.indexOf('"n"');
    expect(positionOf(text, at)).toEqual({ line: 4, column: 3 });
  });
});

describe("replaceAt", () => {
  it("rewrites one value in place and leaves the rest of the text byte for byte", () => {
    const next = replaceAt(text, "/a~1b/1", 20)!;
    expect(next).toBe(text.replace("[1, 2,", "[1, 20,"));
    expect(valueAt(JSON.parse(next), "/a~1b/1")).toBe(20);
  });

  it("indents a replaced container like the line it starts on", () => {
    const next = replaceAt(text, "/name", { zh: "新", en: "new" })!;
    expect(next).toContain('  "name": {\n    "zh": "新",\n    "en": "new"\n  },');
    expect(JSON.parse(next).name).toEqual({ zh: "新", en: "new" });
  });

  it("adds a missing value by re-serialising the document", () => {
    const next = replaceAt(text, "/extra/list", [1])!;
    expect(JSON.parse(next)).toMatchObject({ extra: { list: [1] }, n: -150 });
  });

  it("refuses text that is not JSON", () => {
    expect(replaceAt("{", "/a", 1)).toBeNull();
  });
});
