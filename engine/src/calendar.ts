/**
 * Store-local calendar arithmetic: local dates of instants, validity cycles and points expiry.
 * Pure: the time zone database is the runtime's Intl, and no clock is read.
 */

/** A store-local calendar date as `YYYY-MM-DD`. */
export type LocalDate = string;

/** The parts of a store-local date used by calendar facts; read-only, as days are shared (see localDayOf). */
export interface LocalDay {
  readonly date: LocalDate;
  readonly year: number;
  readonly month: number;
  readonly dayOfMonth: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  readonly dayOfWeek: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
// Offsets change at most a few times a year and only on quarter hours, so one look-up per
// (zone, quarter hour) keeps the hot path off Intl while staying exact. The quarter hours of
// a UTC day sit in one row (NaN until looked up): one small map per zone, then an index.
const offsetRows = new Map<string, Map<number, Float64Array>>();
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const QUARTERS_PER_DAY = 96;
const DAY_MS = 24 * 60 * 60 * 1000;
// Days remembered per zone before the caches start over: eleven years, about 3 MB of rows.
const DAY_LIMIT = 4_096;
// Most calls ask about the zone the previous call asked about: skip the zone look-up then.
let lastZone = "";
let lastRows = new Map<number, Float64Array>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function rowsOf(timeZone: string): Map<number, Float64Array> {
  if (timeZone === lastZone) return lastRows;
  let rows = offsetRows.get(timeZone);
  if (!rows) {
    rows = new Map();
    offsetRows.set(timeZone, rows);
  }
  lastZone = timeZone;
  lastRows = rows;
  return rows;
}

/** The offset at the start of a quarter hour, from Intl: exact, and slow. */
function lookUpOffset(timeZone: string, bucket: number): number {
  const probe = bucket * QUARTER_HOUR_MS;
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(probe))) parts[part.type] = part.value;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - probe;
}

// The quarter hour asked about last: a till's receipts, and a replay's, come in order of time.
let lastBucketZone = "";
let lastBucket = Number.NaN;
let lastOffset = 0;

/** The zone's offset from UTC in milliseconds at `epochMs`. */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const bucket = Math.floor(epochMs / QUARTER_HOUR_MS);
  if (bucket === lastBucket && timeZone === lastBucketZone) return lastOffset;
  // Not an instant: Intl says so (it throws).
  if (!Number.isFinite(bucket)) return lookUpOffset(timeZone, bucket);
  const day = Math.floor(bucket / QUARTERS_PER_DAY);
  const rows = rowsOf(timeZone);
  let row = rows.get(day);
  if (row === undefined) {
    if (rows.size >= DAY_LIMIT) rows.clear();
    row = new Float64Array(QUARTERS_PER_DAY).fill(Number.NaN);
    rows.set(day, row);
  }
  const slot = bucket - day * QUARTERS_PER_DAY;
  let offset = row[slot]!;
  if (Number.isNaN(offset)) {
    offset = lookUpOffset(timeZone, bucket);
    row[slot] = offset;
  }
  lastBucketZone = timeZone;
  lastBucket = bucket;
  lastOffset = offset;
  return offset;
}

// Local days by day number (days since 1970-01-01 in local time): formatting the date is the
// costly part of a local day, and receipts cluster on few days.
const dayCache = new Map<number, LocalDay>();
// The day asked about last: a till's receipts, and a replay's events, mostly fall on the same day.
let lastDayNumber = Number.NaN;
let lastDay: LocalDay | null = null;

/** The store-local day of an instant. */
export function localDayOf(epochMs: number, timeZone: string): LocalDay {
  const localMs = epochMs + zoneOffsetMs(timeZone, epochMs);
  const dayNumber = Math.floor(localMs / DAY_MS);
  if (dayNumber === lastDayNumber && lastDay !== null) return lastDay;
  let day = dayCache.get(dayNumber);
  if (day === undefined) {
    const local = new Date(localMs);
    const year = local.getUTCFullYear();
    const month = local.getUTCMonth() + 1;
    const dayOfMonth = local.getUTCDate();
    const weekday = local.getUTCDay();
    day = { date: formatDate(year, month, dayOfMonth), year, month, dayOfMonth, dayOfWeek: weekday === 0 ? 7 : weekday };
    if (dayCache.size >= DAY_LIMIT) dayCache.clear();
    dayCache.set(dayNumber, day);
  }
  lastDayNumber = dayNumber;
  lastDay = day;
  // Shared, not copied: a day is read-only (its type says so), so no caller can change the cache.
  return day;
}

/** Days from 1970-01-01 to a proleptic Gregorian date; a day past the end of its month rolls over, as in Date.UTC. */
function daysFromCivil(year: number, month: number, day: number): number {
  // Years counted from March, so that the leap day ends the year; eras of 400 years repeat exactly.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The value of the two ASCII digits of `s` at `i`, or -1 when they are not both digits. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Reads the POS contract's usual shape, `YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)` with in-range fields,
 * exactly as Date.parse would; NaN for anything else, which the caller hands to Date.parse.
 */
function parseUsualInstant(iso: string): number {
  const n = iso.length;
  if (n < 20 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45 || iso.charCodeAt(10) !== 84 || iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58) return Number.NaN;
  const hi = twoDigits(iso, 0);
  const lo = twoDigits(iso, 2);
  const month = twoDigits(iso, 5);
  const day = twoDigits(iso, 8);
  const hour = twoDigits(iso, 11);
  const minute = twoDigits(iso, 14);
  const second = twoDigits(iso, 17);
  // Years below 100 would be read as 19xx by Date.UTC; leave them to Date.parse.
  if (hi < 1 || lo < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  let i = 19;
  let ms = 0;
  if (iso.charCodeAt(i) === 46) {
    // Date.parse keeps the first three fraction digits and drops the rest.
    let digits = 0;
    let scale = 100;
    for (i++; i < n; i++, digits++) {
      const d = iso.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (digits < 3) {
        ms += d * scale;
        scale /= 10;
      }
    }
    if (digits === 0 || digits > 9) return Number.NaN;
  }
  let offsetMinutes = 0;
  const zone = iso.charCodeAt(i);
  if (zone === 90 && i + 1 === n) offsetMinutes = 0;
  else if ((zone === 43 || zone === 45) && i + 6 === n && iso.charCodeAt(i + 3) === 58) {
    const oh = twoDigits(iso, i + 1);
    const om = twoDigits(iso, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else return Number.NaN;
  return daysFromCivil(hi * 100 + lo, month, day) * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
}

/** Parses an ISO-8601 instant with an offset into epoch milliseconds. */
export function parseInstant(iso: string): number {
  const usual = parseUsualInstant(iso);
  if (!Number.isNaN(usual)) return usual;
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
  const y = twoDigits(date, 0);
  const r = twoDigits(date, 2);
  // Four digits, the usual case, read without cutting a string out of the date.
  return y >= 0 && r >= 0 ? y * 100 + r : Number(date.slice(0, 4));
}

/** A validity cycle: the local dates it starts and ends on, both inclusive; read-only, as calendar years are shared. */
export interface Cycle {
  readonly start: LocalDate;
  readonly end: LocalDate;
}

// The first and last dates of calendar years, formatted once: cycles are asked for on every sale.
const calendarYears = new Map<number, Cycle>();

function calendarYear(year: number): Cycle {
  let bounds = calendarYears.get(year);
  if (bounds === undefined) {
    bounds = { start: formatDate(year, 1, 1), end: formatDate(year, 12, 31) };
    if (calendarYears.size >= DAY_LIMIT) calendarYears.clear();
    calendarYears.set(year, bounds);
  }
  return bounds;
}

/**
 * The validity cycle that holds `on` for a card issued on `issuedOn`: the first runs from the
 * issue date to 31 December of the issue year + `firstCycleExtraYears`; later ones are calendar years.
 */
export function cycleOn(issuedOn: LocalDate, on: LocalDate, firstCycleExtraYears: number): Cycle {
  const firstEnd = calendarYear(yearOf(issuedOn) + firstCycleExtraYears).end;
  if (on <= firstEnd) return { start: issuedOn, end: firstEnd };
  return calendarYear(yearOf(on));
}

/**
 * Whole months from one local date to a later one: 2025-11-22 → 2026-11-21 is 11 months,
 * → 2026-11-22 is 12. A day of the month the later month lacks counts as its last day.
 */
export function wholeMonthsBetween(from: LocalDate, to: LocalDate): number {
  if (to <= from) return 0;
  const [y1, m1, d1] = from.split("-").map(Number) as [number, number, number];
  const [y2, m2, d2] = to.split("-").map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y2, m2, 0)).getUTCDate();
  const months = (y2 - y1) * 12 + (m2 - m1);
  return d2 >= Math.min(d1, lastDay) ? months : months - 1;
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
