import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parsePolicy } from "../src/policy/parse";
import type { Policy } from "../src/policy/schema";
import { receiptSchema, type MemberSnapshot, type Receipt, type ReceiptInput } from "../src/receipt";

type LineInput = ReceiptInput["lines"][number];

/** Reads and parses a shipped policy (`policies/<id>/v<version>.json`), failing loudly on diagnostics. */
export function loadShippedPolicy(id: string, version = 1): Policy {
  const url = new URL(`../../policies/${id}/v${version}.json`, import.meta.url);
  const result = parsePolicy(JSON.parse(readFileSync(fileURLToPath(url), "utf8")));
  if (!result.ok) throw new Error(`policy ${id} v${version}: ${JSON.stringify(result.diagnostics)}`);
  return result.value;
}

/** A line with sensible defaults: one full-price department-store item of 100 yuan. */
export function line(overrides: Partial<LineInput> = {}): LineInput {
  return { lineId: "1", sku: "SKU-1", styleId: "ST-1", department: "department_store", quantity: 1, unitPrice: 10_000, fullPrice: true, ...overrides };
}

/** A validated sale receipt; every line given is merged over `line()`. */
export function sale(overrides: Omit<Partial<ReceiptInput>, "lines"> & { lines?: Partial<LineInput>[] } = {}): Receipt {
  const { lines = [{}], ...rest } = overrides;
  return receiptSchema.parse({ storeId: "beiguo-central", at: "2026-11-22T14:05:00+08:00", ...rest, lines: lines.map((l, i) => line({ lineId: String(i + 1), ...l })) });
}

/** A member snapshot at a tier; defaults to an active silver member issued this year with nothing spent. */
export function member(tier: string, overrides: Partial<MemberSnapshot> = {}): MemberSnapshot {
  return { id: "m_test", tier, status: "active", supreme: false, issuedOn: "2026-01-05", cycleStart: "2026-01-05", cycleSpend: 0, profile: { student: false, studentOfficer: false }, plan: null, referred: false, ...overrides };
}

/** A silver member: the tier of the POS contract's example. */
export function silverMember(overrides: Partial<MemberSnapshot> = {}): MemberSnapshot {
  return member("silver", overrides);
}
