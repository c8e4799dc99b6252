import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cycleOn, endOfLocalDate, localDayOf, parseInstant, zoneOffsetMs } from "./calendar";

// Zones with daylight saving (one with a half-hour shift) and odd offsets, besides the stores' own.
const ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "UTC"];

/** The local date and weekday of an instant, from Intl alone: what the caches must reproduce. */
function intlDay(epochMs: number, timeZone: string): { date: string; dayOfWeek: number } {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short" }).formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, dayOfWeek: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday!) + 1 };
}

// 1990 to 2060, in ms.
const instant = fc.integer({ min: 631_152_000_000, max: 2_840_140_800_000 });

describe("calendar", () => {
  it("gives every instant's local day as Intl does, in any order of zones and instants (the offset caches are exact)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(instant, fc.constantFrom(...ZONES)), { minLength: 1, maxLength: 20 }), (asks) => {
        for (const [ms, zone] of asks) {
          const day = localDayOf(ms, zone);
          expect({ date: day.date, dayOfWeek: day.dayOfWeek }).toEqual(intlDay(ms, zone));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("asks again about the same quarter hour in another zone and gets that zone's offset", () => {
    const at = Date.UTC(2026, 6, 1, 12, 0);
    expect(zoneOffsetMs("Asia/Shanghai", at)).toBe(8 * 3_600_000);
    expect(zoneOffsetMs("America/New_York", at)).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs("Asia/Shanghai", at)).toBe(8 * 3_600_000);
  });

  it("follows a daylight-saving change to the quarter hour", () => {
    // New York springs forward at 07:00 UTC on 8 March 2026.
    expect(zoneOffsetMs("America/New_York", Date.UTC(2026, 2, 8, 6, 59))).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs("America/New_York", Date.UTC(2026, 2, 8, 7, 0))).toBe(-4 * 3_600_000);
  });

  it("parses instants as Date.parse does", () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -12 * 60, max: 14 * 60 }), (ms, offsetMinutes) => {
        const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
        const sign = offsetMinutes < 0 ? "-" : "+";
        const abs = Math.abs(offsetMinutes);
        const iso = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
        expect(parseInstant(iso)).toBe(Date.parse(iso));
        expect(parseInstant(iso)).toBe(ms);
      }),
    );
    expect(() => parseInstant("yesterday")).toThrow(RangeError);
  });

  it("ends a local date at the next local midnight", () => {
    expect(endOfLocalDate("2026-12-31", "Asia/Shanghai")).toBe("2027-01-01T00:00:00+08:00");
    expect(endOfLocalDate("2026-03-07", "America/New_York")).toBe("2026-03-08T00:00:00-05:00");
  });

  it("runs the first cycle from the issue date to the end of the issue year plus the extra years, then calendar years", () => {
    expect(cycleOn("2025-11-22", "2026-12-31", 1)).toEqual({ start: "2025-11-22", end: "2026-12-31" });
    expect(cycleOn("2025-11-22", "2027-01-01", 1)).toEqual({ start: "2027-01-01", end: "2027-12-31" });
    expect(cycleOn("2025-11-22", "2025-12-31", 0)).toEqual({ start: "2025-11-22", end: "2025-12-31" });
    expect(cycleOn("2025-11-22", "2026-01-01", 0)).toEqual({ start: "2026-01-01", end: "2026-12-31" });
  });
});
