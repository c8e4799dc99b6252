/**
 * Store-local calendar arithmetic: local dates of instants, validity cycles and points expiry.
 * Pure: the time zone database is the runtime's Intl, and no clock is read.
 */

/** A store-local calendar date as `YYYY-MM-DD`. */
export type LocalDate = string;

/** The parts of a store-local date used by calendar facts. */
export interface LocalDay {
  date: LocalDate;
  year: number;
  month: number;
  dayOfMonth: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  dayOfWeek: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
// Offsets change at most a few times a year and only on quarter hours, so one look-up per
// (zone, quarter hour) keeps the hot path off Intl while staying exact.
const offsetCache = new Map<string, number>();
const QUARTER_HOUR_MS = 15 * 60 * 1000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC in milliseconds at `epochMs`. */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const bucket = Math.floor(epochMs / QUARTER_HOUR_MS);
  const key = timeZone + "|" + bucket;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const probe = bucket * QUARTER_HOUR_MS;
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(probe))) parts[part.type] = part.value;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offset = asUtc - probe;
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** The store-local day of an instant. */
export function localDayOf(epochMs: number, timeZone: string): LocalDay {
  const local = new Date(epochMs + zoneOffsetMs(timeZone, epochMs));
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() + 1;
  const dayOfMonth = local.getUTCDate();
  const weekday = local.getUTCDay();
  return { date: formatDate(year, month, dayOfMonth), year, month, dayOfMonth, dayOfWeek: weekday === 0 ? 7 : weekday };
}

/** Parses an ISO-8601 instant with an offset into epoch milliseconds. */
export function parseInstant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${iso}`);
  return ms;
}

/** Formats a calendar date as YYYY-MM-DD. */
export function formatDate(year: number, month: number, day: number): LocalDate {
  return `${String(year).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
}

/** The year of a local date. */
export function yearOf(date: LocalDate): number {
  return Number(date.slice(0, 4));
}

/** A validity cycle: the local dates it starts and ends on, both inclusive. */
export interface Cycle {
  start: LocalDate;
  end: LocalDate;
}

/**
 * The validity cycle that holds `on` for a card issued on `issuedOn`: the first runs from the
 * issue date to 31 December of the issue year + `firstCycleExtraYears`; later ones are calendar years.
 */
export function cycleOn(issuedOn: LocalDate, on: LocalDate, firstCycleExtraYears: number): Cycle {
  const firstEndYear = yearOf(issuedOn) + firstCycleExtraYears;
  const firstEnd = formatDate(firstEndYear, 12, 31);
  if (on <= firstEnd) return { start: issuedOn, end: firstEnd };
  const year = yearOf(on);
  return { start: formatDate(year, 1, 1), end: formatDate(year, 12, 31) };
}

/** The last local date on which points earned on `earnedOn` are still valid. */
export function pointsValidThrough(earnedOn: LocalDate, expireAfterYears: number): LocalDate {
  return formatDate(yearOf(earnedOn) + expireAfterYears, 12, 31);
}

/** The instant (ISO, with the zone's offset) at which a local date ends, i.e. the next local midnight. */
export function endOfLocalDate(date: LocalDate, timeZone: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const nextMidnightUtcGuess = Date.UTC(y, m - 1, d + 1);
  const offset = zoneOffsetMs(timeZone, nextMidnightUtcGuess - zoneOffsetMs(timeZone, nextMidnightUtcGuess));
  const instant = nextMidnightUtcGuess - offset;
  return formatInstant(instant, offset);
}

/** Formats epoch milliseconds as ISO-8601 with the given offset. */
export function formatInstant(epochMs: number, offsetMs: number): string {
  const local = new Date(epochMs + offsetMs);
  const sign = offsetMs < 0 ? "-" : "+";
  const abs = Math.abs(offsetMs) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return local.toISOString().slice(0, 19) + sign + hh + ":" + mm;
}
