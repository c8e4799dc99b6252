/** Factories for the editor's tests: versions as the API returns them, and a fake API. */
import beiguoCasesFile from "../../../policies/beiguo/cases.json";
import beiguo from "../../../policies/beiguo/v1.json";
import campusCases from "../../../policies/campus/cases.json";
import campus from "../../../policies/campus/v1.json";
import netcafeCases from "../../../policies/netcafe/cases.json";
import netcafe from "../../../policies/netcafe/v1.json";
import storedValueCases from "../../../policies/stored-value/cases.json";
import storedValue from "../../../policies/stored-value/v1.json";
import zhenziCases from "../../../policies/zhenzi/cases.json";
import zhenzi from "../../../policies/zhenzi/v1.json";
import type { EditorApi, VersionDetail } from "../lib/api";

/** The shipped programs, each with its cases. */
const shipped = {
  beiguo: { document: beiguo, cases: beiguoCasesFile },
  campus: { document: campus, cases: campusCases },
  "stored-value": { document: storedValue, cases: storedValueCases },
  netcafe: { document: netcafe, cases: netcafeCases },
  zhenzi: { document: zhenzi, cases: zhenziCases },
};
export type ShippedProgram = keyof typeof shipped;
export const shippedPrograms = Object.keys(shipped) as ShippedProgram[];

/** A shipped program's v1 document, as a fresh copy. */
export function programDocument(program: ShippedProgram): Record<string, unknown> {
  return structuredClone(shipped[program].document) as Record<string, unknown>;
}

/** The shipped Beiguo program, as a fresh copy. */
export function beiguoDocument(): Record<string, unknown> {
  return programDocument("beiguo");
}

/** The shipped Beiguo cases, as a fresh copy. */
export function beiguoCases(): unknown[] {
  return structuredClone(beiguoCasesFile) as unknown[];
}

/** A version of the Beiguo program as GET /v1/programs/{id}/versions/{v} answers it. */
export function versionDetail(overrides: Partial<VersionDetail> = {}): VersionDetail {
  return programVersion("beiguo", overrides);
}

/** A version of a shipped program as GET /v1/programs/{id}/versions/{v} answers it (a draft v2 by default). */
export function programVersion(program: ShippedProgram, overrides: Partial<VersionDetail> = {}): VersionDetail {
  const version = overrides.version ?? 2;
  return {
    id: `pv_${version}`,
    programId: program,
    version,
    status: "draft",
    contentHash: "hash",
    effectiveFrom: null,
    effectiveTo: null,
    basedOn: version > 1 ? version - 1 : null,
    createdBy: "k_marketer",
    submittedBy: null,
    approvedBy: null,
    publishedBy: null,
    createdAt: "2026-11-20T08:00:00.000Z",
    publishedAt: null,
    document: { ...programDocument(program), version } as VersionDetail["document"],
    cases: structuredClone(shipped[program].cases) as VersionDetail["cases"],
    ...overrides,
  };
}

/** A fake API: every call fails unless the test gives it. */
export function fakeApi(calls: Partial<EditorApi>): EditorApi {
  return new Proxy(calls as EditorApi, {
    get(target, name) {
      if (typeof name !== "string" || name === "then" || name in target) return (target as Record<PropertyKey, unknown>)[name];
      return () => Promise.reject(new Error(`unexpected call ${name}`));
    },
  });
}
