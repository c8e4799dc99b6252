/** The engine's diagnostics as editor markers: a JSON pointer becomes a range of the text. */
import type { Diagnostic } from "../../../engine/src/index";
import { rangeOf } from "./json-text";

/** A marker by offsets; the JSON view turns offsets into monaco positions. */
export interface OffsetMarker {
  start: number;
  end: number;
  severity: "error" | "warning";
  code: string;
  message: string;
}

/**
 * Markers for every diagnostic that can be placed in the text. A syntax error ("json") is left
 * to monaco's own JSON support, which places it better.
 */
export function markersFor(text: string, diagnostics: readonly Diagnostic[], message: (d: Diagnostic) => string = (d) => d.message): OffsetMarker[] {
  return diagnostics.flatMap((d) => {
    if (d.code === "json") return [];
    const range = rangeOf(text, d.path);
    if (!range) return [];
    return [{ start: range.start, end: Math.max(range.end, range.start + 1), severity: d.severity, code: d.code, message: message(d) }];
  });
}
